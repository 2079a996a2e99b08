using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CodeGen.Eval.Generation;

// POST {server}/v1/completions, the OpenAI-compatible API our server (and vLLM, TGI, llama.cpp...) speaks.
// Sends at most 4 stop sequences (OpenAI's limit) and cuts every returned text at the first of all of them
// itself, so a server that ignores `stop` is scored the same. 429 and 503 are retried after Retry-After.
// A 400 saying the prompt does not fit the context (ours, vLLM's and OpenAI's wording) is a PromptTooLongException.
internal sealed partial class OpenAiCompletionClient(HttpClient http, Uri server, string? apiKey = null)
{
    private const int MaxStopSequences = 4;
    private const int MaxAttempts = 5;

    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken) =>
        (await CompleteWithUsageAsync(request, cancellationToken).ConfigureAwait(false)).Texts;

    // The model's context as GET /v1/models advertises it (max_model_len, vLLM's field, which ours also
    // sends), for the model named or the first listed; null when the server does not say.
    public async Task<int?> ContextAsync(string? model, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "v1/models"));
        if (apiKey is not null)
        {
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        using HttpResponseMessage response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }

        try
        {
            using JsonDocument doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            if (!doc.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            JsonElement[] models = [.. data.EnumerateArray()];
            JsonElement? chosen = models.Cast<JsonElement?>().FirstOrDefault(m => model is not null && m!.Value.TryGetProperty("id", out JsonElement id) && id.GetString() == model)
                ?? models.Cast<JsonElement?>().FirstOrDefault();
            return chosen is { } m2 && m2.TryGetProperty("max_model_len", out JsonElement length) && length.TryGetInt32(out int context) ? context : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The LoRA adapter a run's requests use, for the run's configuration: the named model when GET /v1/models lists
    // it with a parent (how vLLM and our server list adapters); without a model, the adapter GET /health reports as
    // merged into the weights ("adapter", which this project's servers sent before adapters were served side by
    // side). Null for a base model, or when the server does not say.
    public async Task<string?> AdapterAsync(string? model, CancellationToken cancellationToken)
    {
        using JsonDocument? doc = await GetJsonAsync(model is null ? "health" : "v1/models", cancellationToken).ConfigureAwait(false);
        if (doc is null || doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (model is null)
        {
            return doc.RootElement.TryGetProperty("adapter", out JsonElement merged) && merged.ValueKind == JsonValueKind.String ? merged.GetString() : null;
        }

        if (!doc.RootElement.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        foreach (JsonElement m in data.EnumerateArray())
        {
            if (m.ValueKind == JsonValueKind.Object && m.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String && id.GetString() == model)
            {
                return m.TryGetProperty("parent", out JsonElement parent) && parent.ValueKind == JsonValueKind.String ? model : null;
            }
        }

        return null;
    }

    // GET path as JSON; null when the server answers an error status, is unreachable, or sends something else.
    private async Task<JsonDocument?> GetJsonAsync(string path, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Get, new Uri(server, path));
        if (apiKey is not null)
        {
            message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        }

        try
        {
            using HttpResponseMessage response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            return response.IsSuccessStatusCode
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false))
                : null;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException)
        {
            return null;
        }
    }

    // The completions and the prompt's length in tokens (usage.prompt_tokens; null if the server sends no usage).
    public async Task<(IReadOnlyList<string> Texts, int? PromptTokens)> CompleteWithUsageAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var body = new JsonObject
        {
            ["prompt"] = request.Prompt,
            ["n"] = request.Samples,
            ["temperature"] = request.Temperature,
            ["max_tokens"] = request.MaxTokens,
            ["stop"] = new JsonArray([.. request.Stop.Take(MaxStopSequences).Select(s => (JsonNode)s)]),
        };
        if (request.Model is not null)
        {
            body["model"] = request.Model;
        }

        if (request.Constrain is not null)
        {
            body["constrain"] = request.Constrain;
        }

        if (request.Speculative is not null)
        {
            body["speculative"] = request.Speculative;
        }

        var endpoint = new Uri(server, "v1/completions");
        for (int attempt = 1; ; attempt++)
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = JsonContent.Create(body) };
            if (apiKey is not null)
            {
                message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
            }

            using HttpResponseMessage response = await http.SendAsync(message, cancellationToken).ConfigureAwait(false);
            string text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable && attempt < MaxAttempts)
            {
                TimeSpan wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(attempt);
                await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.BadRequest && PromptTooLong(text, request.MaxTokens) is { } tooLong)
            {
                throw tooLong;
            }

            if (response.StatusCode == HttpStatusCode.BadRequest && request.Constrain is not (null or "none") && text.Contains(PromptNotViableMessage, StringComparison.Ordinal))
            {
                throw new PromptNotViableException(text);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw new CompletionClientException($"{endpoint} answered {(int)response.StatusCode} {response.ReasonPhrase}: {text}");
            }

            return ParseChoices(text, request, endpoint);
        }
    }

    // Cuts text before the first occurrence of any stop sequence.
    public static string Truncate(string text, IEnumerable<string> stops)
    {
        int cut = text.Length;
        foreach (string stop in stops)
        {
            int at = text.IndexOf(stop, StringComparison.Ordinal);
            if (at >= 0 && at < cut)
            {
                cut = at;
            }
        }

        return text[..cut];
    }

    // Our server's 400 for a constrained request whose prompt no completion can make valid code (docs/CONSTRAINTS.md).
    internal const string PromptNotViableMessage = "constrain: the prompt is not the beginning of valid";

    // Our server: "prompt has 706 tokens; the model's context is 512 tokens, ...". vLLM and OpenAI: "This model's
    // maximum context length is 2048 tokens. However, you requested 2100 tokens (1972 in the messages, 128 in the
    // completion)" (or "... in your prompt; ...").
    public static PromptTooLongException? PromptTooLong(string body, int maxTokens)
    {
        string message = body;
        try
        {
            using JsonDocument doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out JsonElement error) && error.TryGetProperty("message", out JsonElement text))
            {
                message = text.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not JSON: match the raw body.
        }

        if (OursTooLong().Match(message) is { Success: true } ours)
        {
            return new PromptTooLongException(int.Parse(ours.Groups[1].Value, CultureInfo.InvariantCulture), maxTokens, int.Parse(ours.Groups[2].Value, CultureInfo.InvariantCulture), message);
        }

        if (OpenAiTooLong().Match(message) is { Success: true } openAi)
        {
            Match prompt = OpenAiPromptTokens().Match(message);
            return new PromptTooLongException(prompt.Success ? int.Parse(prompt.Groups[1].Value, CultureInfo.InvariantCulture) : null, maxTokens, int.Parse(openAi.Groups[1].Value, CultureInfo.InvariantCulture), message);
        }

        return null;
    }

    [GeneratedRegex(@"prompt has (\d+) tokens; the model's context is (\d+) tokens")]
    private static partial Regex OursTooLong();

    [GeneratedRegex(@"maximum context length is (\d+) tokens")]
    private static partial Regex OpenAiTooLong();

    [GeneratedRegex(@"\((\d+) in (?:the messages|your prompt)")]
    private static partial Regex OpenAiPromptTokens();

    private static (List<string> Texts, int? PromptTokens) ParseChoices(string json, CompletionRequest request, Uri endpoint)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            var choices = doc.RootElement.GetProperty("choices").EnumerateArray()
                .Select((c, i) => (Index: c.TryGetProperty("index", out JsonElement index) ? index.GetInt32() : i, Text: c.GetProperty("text").GetString() ?? ""))
                .OrderBy(c => c.Index)
                .Select(c => Truncate(c.Text, request.Stop))
                .ToList();
            if (choices.Count != request.Samples)
            {
                throw new CompletionClientException($"{endpoint} returned {choices.Count} choices for n={request.Samples}.");
            }

            int? promptTokens = doc.RootElement.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object
                && usage.TryGetProperty("prompt_tokens", out JsonElement tokens) && tokens.TryGetInt32(out int count) ? count : null;
            return (choices, promptTokens);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CompletionClientException($"{endpoint} returned a body that is not a completion response: {json}", ex);
        }
    }
}
