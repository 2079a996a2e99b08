using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeGen.Eval.Generation;

// POST {server}/v1/completions, the OpenAI-compatible API our server (and vLLM, TGI, llama.cpp...) speaks.
// Sends at most 4 stop sequences (OpenAI's limit) and cuts every returned text at the first of all of them
// itself, so a server that ignores `stop` is scored the same. 429 and 503 are retried after Retry-After.
internal sealed class OpenAiCompletionClient(HttpClient http, Uri server, string? apiKey = null)
{
    private const int MaxStopSequences = 4;
    private const int MaxAttempts = 5;

    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken)
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

    private static List<string> ParseChoices(string json, CompletionRequest request, Uri endpoint)
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

            return choices;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CompletionClientException($"{endpoint} returned a body that is not a completion response: {json}", ex);
        }
    }
}
