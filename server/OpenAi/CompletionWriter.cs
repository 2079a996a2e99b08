using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Endpoints;
using CodeGen.Server.Engine;

namespace CodeGen.Server.OpenAi;

/// <summary>Turns the engine's token events into OpenAI completion (or chat completion) responses: one JSON body, or server-sent events ending with [DONE].</summary>
internal sealed class CompletionWriter(string id, string model, bool chat, CompletionRequest request, BpeTokenizer? tokenizer)
{
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public async Task WriteAsync(HttpContext context, IReadOnlyList<ChannelReader<TokenEvent>> readers, CancellationToken cancellation)
    {
        var choices = new JsonArray();
        int completionTokens = 0;
        for (int index = 0; index < readers.Count; index++)
        {
            var text = new StringBuilder(request.Echo && !chat ? request.PromptText : "");
            var logprobs = new LogprobsBuilder(text.Length);
            string? finish = null, error = null, stopReason = null;
            await foreach (TokenEvent e in readers[index].ReadAllAsync(cancellation))
            {
                if (e.TokenId >= 0)
                {
                    completionTokens++;
                    if (request.Logprobs is not null) logprobs.Add(TokenText(e.TokenId), e.Logprob ?? 0, e.TopLogprobs, text.Length);
                }
                text.Append(e.Text);
                finish = e.FinishReason ?? finish;
                error = e.Error ?? error;
                stopReason = e.StopReason ?? stopReason;
            }
            if (finish is "error" or "timeout" or null)
            {
                int status = finish == "timeout" ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status500InternalServerError;
                string message = finish == "timeout" ? "request timed out" : error ?? "generation failed";
                await ApiError.Result(status, message, "server_error").ExecuteAsync(context);
                return;
            }
            if (finish == "cancelled") return;
            choices.Add(Choice(index, text.ToString(), finish, request.Logprobs is null ? null : logprobs.Build(), delta: false, stopReason));
        }
        var body = Envelope(chat ? "chat.completion" : "text_completion", choices);
        body["usage"] = Usage(completionTokens);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), cancellation);
    }

    public async Task StreamAsync(HttpContext context, IReadOnlyList<ChannelReader<TokenEvent>> readers, CancellationToken cancellation)
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        var merged = Channel.CreateUnbounded<(int Index, TokenEvent Event)>();
        Task pump = Task.WhenAll(readers.Select((reader, index) => Task.Run(async () =>
        {
            await foreach (TokenEvent e in reader.ReadAllAsync(cancellation)) await merged.Writer.WriteAsync((index, e), cancellation);
        }, cancellation))).ContinueWith(t => merged.Writer.TryComplete(t.Exception), TaskScheduler.Default);

        var offsets = new int[readers.Count];
        int completionTokens = 0;
        if (request.Echo && !chat)
        {
            for (int i = 0; i < readers.Count; i++)
            {
                await SendAsync(context, Chunk(i, request.PromptText, null, null), cancellation);
                offsets[i] = request.PromptText.Length;
            }
        }
        await foreach ((int index, TokenEvent e) in merged.Reader.ReadAllAsync(cancellation))
        {
            if (e.FinishReason is "error" or "timeout")
            {
                var error = new JsonObject { ["error"] = new JsonObject { ["message"] = e.Error ?? "request timed out", ["type"] = "server_error" } };
                await SendAsync(context, error, cancellation);
                continue;
            }
            if (e.FinishReason == "cancelled") continue;
            JsonObject? logprobs = null;
            if (request.Logprobs is not null && e.TokenId >= 0)
            {
                var builder = new LogprobsBuilder(0);
                builder.Add(TokenText(e.TokenId), e.Logprob ?? 0, e.TopLogprobs, offsets[index]);
                logprobs = builder.Build();
            }
            if (e.TokenId >= 0) completionTokens++;
            offsets[index] += e.Text.Length;
            if (e.Text.Length == 0 && e.FinishReason is null && logprobs is null) continue;
            await SendAsync(context, Chunk(index, e.Text, e.FinishReason, logprobs, e.StopReason), cancellation);
        }
        await pump;
        if (request.IncludeUsage)
        {
            JsonObject usage = Envelope(chat ? "chat.completion.chunk" : "text_completion", []);
            usage["usage"] = Usage(completionTokens);
            await SendAsync(context, usage, cancellation);
        }
        await context.Response.WriteAsync("data: [DONE]\n\n", cancellation);
        await context.Response.Body.FlushAsync(cancellation);
    }

    private JsonObject Usage(int completionTokens) => new()
    {
        ["prompt_tokens"] = request.PromptIds.Count,
        ["completion_tokens"] = completionTokens,
        ["total_tokens"] = request.PromptIds.Count + completionTokens,
    };

    private JsonObject Chunk(int index, string text, string? finish, JsonObject? logprobs, string? stopReason = null) =>
        Envelope(chat ? "chat.completion.chunk" : "text_completion", new JsonArray(Choice(index, text, finish, logprobs, delta: true, stopReason)));

    private JsonObject Envelope(string kind, JsonArray choices) => new()
    {
        ["id"] = id,
        ["object"] = kind,
        ["created"] = _created,
        ["model"] = model,
        ["choices"] = choices,
    };

    // stop_reason (as vLLM's choices carry it): why the engine stopped a constrained completion that could not go on.
    private JsonObject Choice(int index, string text, string? finish, JsonObject? logprobs, bool delta, string? stopReason = null)
    {
        var choice = new JsonObject { ["index"] = index };
        if (chat) choice[delta ? "delta" : "message"] = delta ? new JsonObject { ["content"] = text } : new JsonObject { ["role"] = "assistant", ["content"] = text };
        else choice["text"] = text;
        choice["logprobs"] = logprobs;
        choice["finish_reason"] = finish;
        if (stopReason is not null) choice["stop_reason"] = stopReason;
        return choice;
    }

    private string TokenText(int tokenId) => tokenizer?.Decode([tokenId]) ?? tokenId.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static async Task SendAsync(HttpContext context, JsonObject data, CancellationToken cancellation)
    {
        await context.Response.WriteAsync("data: " + data.ToJsonString() + "\n\n", cancellation);
        await context.Response.Body.FlushAsync(cancellation);
    }
}
