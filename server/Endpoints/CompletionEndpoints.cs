using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Server.Engine;
using CodeGen.Server.OpenAi;

namespace CodeGen.Server.Endpoints;

/// <summary>POST /v1/completions and /v1/chat/completions: validate, hand the choices to the engine, answer as JSON or server-sent events.</summary>
internal static partial class CompletionEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapPost("/v1/completions", (HttpContext context, ModelHost host, EngineLoop engine, ILoggerFactory logs) =>
            HandleAsync(context, host, engine, logs.CreateLogger("CodeGen.Server.Completions"), chat: false));
        app.MapPost("/v1/chat/completions", (HttpContext context, ModelHost host, EngineLoop engine, ILoggerFactory logs) =>
            HandleAsync(context, host, engine, logs.CreateLogger("CodeGen.Server.Completions"), chat: true));
    }

    private static async Task HandleAsync(HttpContext context, ModelHost host, EngineLoop engine, ILogger logger, bool chat)
    {
        string requestId = (chat ? "chatcmpl-" : "cmpl-") + Guid.NewGuid().ToString("N")[..24];
        using IDisposable? scope = logger.BeginScope(new Dictionary<string, object> { ["RequestId"] = requestId });
        CompletionRequest request;
        try
        {
            using JsonDocument body = await ReadBodyAsync(context.Request, engine.Options.MaxBodyBytes, context.RequestAborted);
            Func<JsonElement, string>? chatPrompt = null;
            if (chat)
            {
                if (host.Tokenizer is null || host.ChatTemplate is null)
                    throw new RequestValidationException($"model '{host.Name}' has no chat template (tokenizer_config.json chat_template); use /v1/completions");
                if (!host.ChatTemplate.Contains("<|im_start|>", StringComparison.Ordinal))
                    throw new RequestValidationException("only ChatML chat templates (<|im_start|> ... <|im_end|>) are supported");
                chatPrompt = ChatMl.Render;
            }
            request = CompletionRequestParser.Parse(body.RootElement, host.ModelIds, host.Config.VocabSize, host.MaxContext, host.Tokenizer, chatPrompt,
                draftModel: host.DraftName is not null);
            if (chat) request = request with { Stop = [.. request.Stop, ChatMl.End] };
        }
        catch (RequestValidationException e)
        {
            await ApiError.Result(e.Status, e.Message, "invalid_request_error", e.Code).ExecuteAsync(context);
            return;
        }
        if (!host.IsReady)
        {
            context.Response.Headers.RetryAfter = "5";
            string message = host.LoadError is { } error ? $"model failed to load: {error.Message}" : "model is loading";
            await ApiError.Result(StatusCodes.Status503ServiceUnavailable, message, "server_error").ExecuteAsync(context);
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var jobs = new GenerationJob[request.N];
        for (int i = 0; i < request.N; i++)
        {
            var sampling = new SamplingOptions
            {
                Temperature = request.Temperature,
                TopP = request.TopP,
                TopK = request.TopK,
                RepetitionPenalty = request.RepetitionPenalty,
                PresencePenalty = request.PresencePenalty,
                FrequencyPenalty = request.FrequencyPenalty,
                LogitBias = request.LogitBias,
                Seed = request.Seed is int seed ? seed + i : null,
            };
            jobs[i] = new GenerationJob(requestId, request.PromptIds, request.MaxTokens, sampling, request.Stop, host.StopTokenIds, request.Logprobs)
            {
                Constraint = request.Constraint is { } constraint ? new ConstraintRequest(constraint, request.ConstraintContext, Close: !request.HasSuffix) : null,
                Speculative = request.Speculative,
                Adapter = host.AdapterSlot(request.Model) ?? 0, // the parser accepted only served names
            };
        }
        IReadOnlyList<ChannelReader<TokenEvent>>? readers = engine.TrySubmit(jobs, cancel.Token, out string? rejection);
        if (readers is null)
        {
            context.Response.Headers.RetryAfter = "1";
            int status = rejection == "queue full" ? StatusCodes.Status429TooManyRequests : StatusCodes.Status503ServiceUnavailable;
            await ApiError.Result(status, $"server is busy ({rejection}); retry later", "server_error").ExecuteAsync(context);
            return;
        }
        LogAccepted(logger, request.PromptIds.Count, request.N, request.MaxTokens, request.Stream);
        var writer = new CompletionWriter(requestId, request.Model ?? host.Name, chat, request, host.Tokenizer);
        try
        {
            if (request.Stream) await writer.StreamAsync(context, readers, cancel.Token);
            else await writer.WriteAsync(context, readers, cancel.Token);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            LogClientGone(logger);
        }
        finally
        {
            await cancel.CancelAsync(); // a client that left frees its slots at the next step
        }
    }

    private static async Task<JsonDocument> ReadBodyAsync(HttpRequest request, long limit, CancellationToken cancellation)
    {
        if (request.ContentLength > limit) throw new RequestValidationException($"request body of {request.ContentLength} bytes exceeds the limit of {limit} bytes");
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > limit) throw new RequestValidationException($"request body exceeds the limit of {limit} bytes");
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length == 0) throw new RequestValidationException("request body is empty; send a JSON object");
        if (!System.Text.Unicode.Utf8.IsValid(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)))
            throw new RequestValidationException("request body is not valid UTF-8");
        try
        {
            return JsonDocument.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw new RequestValidationException($"malformed JSON: {e.Message}");
        }
        catch (ArgumentException e)
        {
            throw new RequestValidationException($"request body is not valid UTF-8 JSON: {e.Message}");
        }
    }

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Accepted: {PromptTokens} prompt tokens, n={N}, max_tokens={MaxTokens}, stream={Stream}")]
    private static partial void LogAccepted(ILogger logger, int promptTokens, int n, int maxTokens, bool stream);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "Client disconnected; its sequences were cancelled")]
    private static partial void LogClientGone(ILogger logger);
}
