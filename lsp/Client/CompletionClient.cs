using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace CodeGen.Lsp.Client;

// POST /v1/completions behind a circuit breaker and a time limit (Polly). A server that is down, slow or
// failing costs the editor one short wait per request until the breaker opens; while it is open no request
// is made, and after LspSettings.BreakMs one probe decides whether it closes again. Every failure ends in
// null (no suggestion) and, when it is news, a window/logMessage; the caller's cancellation aborts the HTTP
// request (so the server frees the sequence) and is never counted as a failure.
internal sealed partial class CompletionClient : IDisposable
{
    private static readonly JsonSerializerOptions Json = new();

    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly IClientLog _clientLog;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private (int TimeoutMs, int BreakMs, Uri Server, ResiliencePipeline Pipeline)? _pipeline;
    private string? _lastProblem;
    private int _requestsSent;
    private int? _promptCharsCap;

    // Set when a failure opened the breaker: its report already said what happened.
    private bool _openedByLastFailure;

    public CompletionClient(HttpMessageHandler handler, TimeProvider time, IClientLog clientLog, ILogger logger)
    {
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        _time = time;
        _clientLog = clientLog;
        _logger = logger;
    }

    // The most prompt characters (prompt + suffix) the server takes, learned from a refusal that named the
    // prompt's token count and the model's context; null until then. Token counts are only estimated here
    // (LspSettings.CharsPerToken), so this corrects the estimate for the model actually served.
    public int? PromptCharsCap
    {
        get
        {
            lock (_gate)
            {
                return _promptCharsCap;
            }
        }
    }

    // Requests sent to the server (those the open breaker refused are not counted).
    public int RequestsSent => Volatile.Read(ref _requestsSent);

    // The completion text, or null when there is none to show (the reason was logged). onText, when given,
    // sees the text so far each time more arrives.
    // Throws OperationCanceledException: cancellationToken fired; the HTTP request was aborted.
    public async Task<string?> CompleteAsync(
        ServerCompletionRequest request,
        LspSettings settings,
        CancellationToken cancellationToken,
        Action<string>? onText = null)
    {
        ResiliencePipeline pipeline = PipelineFor(settings);
        try
        {
            string? text = await pipeline.ExecuteAsync(
                async token => await SendAsync(request, settings, onText, token),
                cancellationToken);
            if (text is not null)
            {
                lock (_gate)
                {
                    _lastProblem = null;
                }
            }

            return text;
        }
        catch (BrokenCircuitException)
        {
            // Open: the opening was reported once; nothing was sent.
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutRejectedException or ServerFailureException or JsonException)
        {
            bool opened;
            lock (_gate)
            {
                opened = _openedByLastFailure;
                _openedByLastFailure = false;
            }

            if (!opened)
            {
                string reason = e is TimeoutRejectedException ? $"no answer within {settings.RequestTimeoutMs} ms" : e.Message;
                Report(MessageType.Warning, $"CodeGen completion request to {settings.Server} failed: {reason}");
            }

            return null;
        }
    }

    private async Task<string?> SendAsync(ServerCompletionRequest request, LspSettings settings, Action<string>? onText, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.Server.AbsoluteUri.TrimEnd('/') + "/v1/completions"))
        {
            Content = new StringContent(JsonSerializer.Serialize(request, Json), Encoding.UTF8, "application/json"),
        };
        if (settings.ApiKey is not null)
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }

        Interlocked.Increment(ref _requestsSent);
        using HttpResponseMessage response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500)
        {
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new ServerFailureException((int)response.StatusCode, $"HTTP {(int)response.StatusCode}: {ErrorMessage(body)}");
        }

        if (!response.IsSuccessStatusCode)
        {
            // The request was at fault (a prompt over the model's context, an unsupported constrain value, a
            // wrong key): the server is healthy, so the breaker does not count it.
            string body = await response.Content.ReadAsStringAsync(cancellationToken);
            LearnPromptCap(request, ErrorMessage(body));
            Report(MessageType.Warning, $"CodeGen server refused the completion request: HTTP {(int)response.StatusCode}: {ErrorMessage(body)}");
            return null;
        }

        if (response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            // A server that answers in one piece (it ignored stream): the whole text at once.
            using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            JsonElement choices = json.RootElement.GetProperty("choices");
            string? whole = choices.GetArrayLength() == 0 ? null : choices[0].GetProperty("text").GetString();
            if (whole is not null)
            {
                onText?.Invoke(whole);
            }

            return whole;
        }

        // Server-sent events: "data: {choices: [{text}]}" per piece, "data: [DONE]" last.
        var text = new StringBuilder();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (!line.StartsWith("data:", StringComparison.Ordinal))
            {
                continue;
            }

            string data = line[5..].Trim();
            if (data == "[DONE]")
            {
                break;
            }

            using JsonDocument chunk = JsonDocument.Parse(data);
            if (chunk.RootElement.TryGetProperty("error", out JsonElement error))
            {
                throw new ServerFailureException(500, $"stream failed: {error.GetProperty("message").GetString()}");
            }

            JsonElement choices = chunk.RootElement.GetProperty("choices");
            if (choices.GetArrayLength() > 0 && choices[0].GetProperty("text").GetString() is { Length: > 0 } piece)
            {
                text.Append(piece);
                onText?.Invoke(text.ToString());
            }
        }

        return text.ToString();
    }

    // The server's "prompt has N tokens; the model's context is M tokens": later prompts get the characters
    // that fit M tokens less room to generate (max_tokens, at most a quarter of M), at this prompt's ratio.
    private void LearnPromptCap(ServerCompletionRequest request, string message)
    {
        Match match = PromptTooLong().Match(message);
        if (!match.Success
            || !int.TryParse(match.Groups[1].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int promptTokens)
            || !int.TryParse(match.Groups[2].ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture, out int context)
            || promptTokens <= 0)
        {
            return;
        }

        int chars = request.Prompt.Length + (request.Suffix?.Length ?? 0);
        int fits = context - Math.Min(request.MaxTokens, context / 4);
        int cap = (int)(chars * (double)fits / promptTokens);
        lock (_gate)
        {
            _promptCharsCap = Math.Min(_promptCharsCap ?? int.MaxValue, Math.Max(cap, 64));
        }
    }

    [GeneratedRegex(@"prompt has (\d+) tokens; the model's context is (\d+) tokens")]
    private static partial Regex PromptTooLong();

    private ResiliencePipeline PipelineFor(LspSettings settings)
    {
        lock (_gate)
        {
            if (_pipeline is { } p && p.TimeoutMs == settings.RequestTimeoutMs && p.BreakMs == settings.BreakMs && p.Server == settings.Server)
            {
                return p.Pipeline;
            }

            Uri server = settings.Server;
            ResiliencePipeline pipeline = new ResiliencePipelineBuilder { TimeProvider = _time }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    // Three failures among the calls of the last 30 s, at least half of those calls: open.
                    FailureRatio = 0.5,
                    MinimumThroughput = 3,
                    SamplingDuration = TimeSpan.FromSeconds(30),
                    BreakDuration = TimeSpan.FromMilliseconds(settings.BreakMs),
                    ShouldHandle = new PredicateBuilder()
                        .Handle<HttpRequestException>()
                        .Handle<TimeoutRejectedException>()
                        .Handle<ServerFailureException>(),
                    OnOpened = args =>
                    {
                        lock (_gate)
                        {
                            _openedByLastFailure = true;
                        }

                        Report(MessageType.Warning,
                            $"CodeGen server at {server} keeps failing ({args.Outcome.Exception?.Message}); no completion requests for {args.BreakDuration.TotalSeconds:0.#} s.");
                        return default;
                    },
                    OnHalfOpened = _ =>
                    {
                        LogMessages.BreakerHalfOpen(_logger, server.ToString());
                        return default;
                    },
                    OnClosed = _ =>
                    {
                        Report(MessageType.Info, $"CodeGen server at {server} answers again; completions resume.");
                        return default;
                    },
                })
                .AddTimeout(TimeSpan.FromMilliseconds(settings.RequestTimeoutMs))
                .Build();
            _pipeline = (settings.RequestTimeoutMs, settings.BreakMs, server, pipeline);
            return pipeline;
        }
    }

    // Logs a problem to the editor when it differs from the last one reported (one per keystroke would flood
    // the editor's log); repeats go to our own log at Debug.
    private void Report(MessageType type, string message)
    {
        bool repeat;
        lock (_gate)
        {
            repeat = message == _lastProblem;
            _lastProblem = type == MessageType.Info ? null : message;
        }

        LogMessages.ServerProblem(_logger, message);
        if (!repeat)
        {
            _clientLog.Log(type, message);
        }
    }

    private static string ErrorMessage(string body)
    {
        try
        {
            using JsonDocument json = JsonDocument.Parse(body);
            if (json.RootElement.TryGetProperty("error", out JsonElement error) && error.TryGetProperty("message", out JsonElement m))
            {
                return m.GetString() ?? body;
            }
        }
        catch (JsonException)
        {
            // Not the OpenAI error shape: the raw body (cut short) says more than nothing.
        }

        return body.Length > 200 ? body[..200] : body;
    }

    public void Dispose() => _http.Dispose();
}
