using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using CodeGen.Bench.Serving;
using Spectre.Console;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench serve</c>: a load generator for an OpenAI-compatible server on this machine. Streams
/// /v1/completions at each concurrency level and reports aggregate tokens/s, time to first token and
/// inter-token latency; the editor workload types into one prompt a few characters at a time; the soak
/// workload drops some connections mid-stream and checks the server stays healthy. Every run is bounded by
/// a request count and a wall-clock limit, and only loopback servers are accepted.
/// </summary>
internal static class ServeBenchmark
{
    public static Command Create()
    {
        Option<string> server = new("--server") { Description = "Server base URL (loopback only).", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        Option<string?> apiKey = new("--api-key") { Description = "Bearer key, when the server requires one." };
        Option<string?> model = new("--model") { Description = "The request's model field (omitted when not given)." };
        Option<string> workload = new("--workload") { Description = "throughput | editor | soak.", DefaultValueFactory = _ => "throughput" };
        Option<string> concurrency = new("--concurrency") { Description = "Comma-separated concurrency levels (soak uses the highest).", DefaultValueFactory = _ => "1,4,16" };
        Option<int> requests = new("--requests") { Description = "Requests per level (editor: keystroke steps; soak: total).", DefaultValueFactory = _ => 32 };
        Option<int> maxTokens = new("--max-tokens") { Description = "max_tokens of every request.", DefaultValueFactory = _ => 64 };
        Option<string?> promptIds = new("--prompt-ids") { Description = "Comma-separated token ids sent as the prompt instead of the built-in code prompts." };
        Option<int> editChars = new("--edit-chars") { Description = "Editor: characters (or ids) each prompt adds to the previous one.", DefaultValueFactory = _ => 3 };
        Option<double> disconnectFraction = new("--disconnect-fraction") { Description = "Soak: share of clients that disconnect mid-stream.", DefaultValueFactory = _ => 0.1 };
        Option<int> requestTimeout = new("--request-timeout") { Description = "Seconds before one request counts as a timeout.", DefaultValueFactory = _ => 120 };
        Option<int> maxSeconds = new("--max-seconds") { Description = "Wall-clock limit of the whole run; in-flight requests are cancelled at the limit.", DefaultValueFactory = _ => 600 };
        var command = new Command("serve", "Load-test an OpenAI-compatible server: tokens/s, TTFT and inter-token latency per concurrency level.")
        {
            server, apiKey, model, workload, concurrency, requests, maxTokens, promptIds, editChars, disconnectFraction, requestTimeout, maxSeconds,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            var options = new Settings(
                RequireLoopback(parse.GetRequiredValue(server)),
                parse.GetValue(apiKey),
                parse.GetValue(model),
                ParseLevels(parse.GetRequiredValue(concurrency)),
                Positive(parse.GetValue(requests), "--requests"),
                Positive(parse.GetValue(maxTokens), "--max-tokens"),
                parse.GetValue(promptIds) is string ids ? ParseIds(ids) : null,
                Positive(parse.GetValue(editChars), "--edit-chars"),
                parse.GetValue(disconnectFraction) is var f and >= 0 and <= 1 ? f : throw new ArgumentException("--disconnect-fraction must be within [0, 1]"),
                TimeSpan.FromSeconds(Positive(parse.GetValue(requestTimeout), "--request-timeout")));
            using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            run.CancelAfter(TimeSpan.FromSeconds(Positive(parse.GetValue(maxSeconds), "--max-seconds")));
            return parse.GetRequiredValue(workload) switch
            {
                "throughput" => await RunThroughputAsync(options, run.Token),
                "editor" => await RunEditorAsync(options, run.Token),
                "soak" => await RunSoakAsync(options, run.Token),
                string other => throw new ArgumentException($"Unknown --workload '{other}' (expected throughput, editor or soak)"),
            };
        });
        return command;
    }

    /// <summary>The server URL, if its host is loopback (127.0.0.0/8, ::1, localhost).</summary>
    /// <exception cref="ArgumentException">Not an http(s) URL, or not a loopback host.</exception>
    internal static Uri RequireLoopback(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("http" or "https"))
            throw new ArgumentException($"--server '{url}' is not an http(s) URL");
        bool loopback = uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out IPAddress? address) && IPAddress.IsLoopback(address));
        if (!loopback) throw new ArgumentException($"--server '{url}' is not a loopback address: bench serve only loads a server on this machine");
        return uri;
    }

    /// <summary>"1,4,16" -> [1, 4, 16] (duplicates dropped, ascending).</summary>
    /// <exception cref="ArgumentException">An entry that is not a positive integer.</exception>
    internal static int[] ParseLevels(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n > 0
                ? n
                : throw new ArgumentException($"--concurrency: '{s}' is not a positive integer"))
            .Distinct().Order().ToArray() is { Length: > 0 } levels
            ? levels
            : throw new ArgumentException("--concurrency needs at least one level");

    /// <summary>
    /// The prompt of editor step <paramref name="step"/> (0-based): the start of the file plus
    /// step × <paramref name="chars"/> typed characters (ids, cycling through <paramref name="ids"/>, when given).
    /// </summary>
    internal static JsonNode EditorPrompt(int step, int chars, IReadOnlyList<int>? ids)
    {
        int typed = step * chars;
        if (ids is not null) return new JsonArray(ids.Concat(Enumerable.Range(0, typed).Select(i => ids[i % ids.Count])).Select(i => (JsonNode)i).ToArray());
        return ServePrompts.EditorPrefix + ServePrompts.EditorTyping[..Math.Min(typed, ServePrompts.EditorTyping.Length)];
    }

    private static async Task<int> RunThroughputAsync(Settings options, CancellationToken run)
    {
        using HttpClient http = CreateHttpClient();
        var client = new CompletionStreamClient(http, options.Server, options.ApiKey, options.Model);
        if (!await WarmUpAsync(client, options, run)) return 1;
        var summaries = new List<(int Level, LevelSummary Summary)>();
        foreach (int level in options.Levels)
        {
            if (run.IsCancellationRequested) break;
            LevelSummary summary = await RunLevelAsync(client, options, level, options.Requests, disconnectFraction: 0, run);
            summaries.Add((level, summary));
            AnsiConsole.MarkupLine($"[grey]concurrency {level}: {summary.Requests} requests, {LevelSummary.Format(summary.TokensPerSecond)} tok/s[/]");
        }
        PrintLevels(summaries, "concurrency");
        if (summaries.Count > 1 && summaries[0].Summary.TokensPerSecond > 0)
        {
            (int lowLevel, LevelSummary low) = summaries[0];
            (int highLevel, LevelSummary high) = summaries[^1];
            AnsiConsole.MarkupLine(
                $"batching gain: [bold]{LevelSummary.Format(high.TokensPerSecond / low.TokensPerSecond, "F2")}×[/] (tokens/s at concurrency {highLevel} ÷ at {lowLevel})");
        }
        return summaries.Sum(s => s.Summary.Errors.Values.Sum()) == 0 && !run.IsCancellationRequested ? 0 : 1;
    }

    private static async Task<int> RunEditorAsync(Settings options, CancellationToken run)
    {
        using HttpClient http = CreateHttpClient();
        var client = new CompletionStreamClient(http, options.Server, options.ApiKey, options.Model);
        var results = new List<StreamResult>();
        var watch = Stopwatch.StartNew();
        for (int step = 0; step < options.Requests && !run.IsCancellationRequested; step++)
            results.Add(await client.CompleteAsync(EditorPrompt(step, options.EditChars, options.PromptIds), options.MaxTokens, null, options.RequestTimeout, run));
        LevelSummary all = LevelSummary.From(results, watch.Elapsed.TotalSeconds);
        LevelSummary later = LevelSummary.From(results.Skip(1).ToList(), watch.Elapsed.TotalSeconds);
        var table = new Table().AddColumns("steps", "errors", "tokens", "TTFT ms first", "TTFT ms p50/p95/p99 (rest)", "ITL ms p50/p95/p99");
        table.AddRow(
            all.Requests.ToString(CultureInfo.InvariantCulture),
            Markup.Escape(all.ErrorText),
            all.Tokens.ToString(CultureInfo.InvariantCulture),
            LevelSummary.Format((results.FirstOrDefault()?.TimeToFirstToken ?? double.NaN) * 1000),
            Triple(later.TimeToFirstTokenMs),
            Triple(all.InterTokenLatencyMs));
        AnsiConsole.MarkupLine($"editor: {options.Requests} sequential prompts, each {options.EditChars} {(options.PromptIds is null ? "characters" : "ids")} longer than the last; TTFT percentiles exclude the first (cold) prompt");
        AnsiConsole.Write(table);
        return all.Errors.Count == 0 ? 0 : 1;
    }

    private static async Task<int> RunSoakAsync(Settings options, CancellationToken run)
    {
        using HttpClient http = CreateHttpClient();
        var client = new CompletionStreamClient(http, options.Server, options.ApiKey, options.Model);
        if (!await WarmUpAsync(client, options, run)) return 1;
        int level = options.Levels[^1];
        LevelSummary summary = await RunLevelAsync(client, options, level, options.Requests, options.DisconnectFraction, run);
        PrintLevels([(level, summary)], "concurrency");
        // After the disconnects the server must still answer, and a fresh request must still complete.
        string health = await HealthAsync(http, options.Server);
        StreamResult after = await client.CompleteAsync(Prompt(options, 0), options.MaxTokens, null, options.RequestTimeout, CancellationToken.None);
        AnsiConsole.MarkupLine($"disconnected on purpose: {summary.Disconnected}; GET /health afterwards: {Markup.Escape(health)}; a request afterwards: {Markup.Escape(after.Error ?? "ok")}");
        return summary.Errors.Count == 0 && health == "200" && after.Error is null ? 0 : 1;
    }

    // N workers take request numbers from a shared counter until the level's count or the run's time is used up.
    private static async Task<LevelSummary> RunLevelAsync(CompletionStreamClient client, Settings options, int level, int requests, double disconnectFraction, CancellationToken run)
    {
        var results = new StreamResult?[requests];
        var random = new Random(level); // the same disconnect pattern on every run
        int?[] disconnectAt = Enumerable.Range(0, requests)
            .Select(_ => random.NextDouble() < disconnectFraction ? random.Next(1, Math.Max(2, options.MaxTokens / 2 + 1)) : (int?)null)
            .ToArray();
        int next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, level).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests && !run.IsCancellationRequested)
                results[i] = await client.CompleteAsync(Prompt(options, i), options.MaxTokens, disconnectAt[i], options.RequestTimeout, run);
        }));
        return LevelSummary.From(results.OfType<StreamResult>().ToList(), watch.Elapsed.TotalSeconds);
    }

    private static async Task<bool> WarmUpAsync(CompletionStreamClient client, Settings options, CancellationToken run)
    {
        StreamResult warm = await client.CompleteAsync(Prompt(options, 0), Math.Min(4, options.MaxTokens), null, options.RequestTimeout, run);
        if (warm.Error is null) return true;
        Console.Error.WriteLine($"error: warm-up request to {options.Server} failed: {warm.Error}");
        return false;
    }

    private static async Task<string> HealthAsync(HttpClient http, Uri server)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using HttpResponseMessage response = await http.GetAsync(new Uri(server, "/health"), timeout.Token);
            return ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            return e.GetType().Name;
        }
    }

    // One column per level, one row per figure: fits a terminal whatever the number of levels.
    private static void PrintLevels(IReadOnlyList<(int Level, LevelSummary Summary)> levels, string label)
    {
        var table = new Table().AddColumn("");
        foreach ((int level, _) in levels) table.AddColumn(new TableColumn($"{label} {level}").RightAligned());
        void Row(string name, Func<LevelSummary, string> cell) => table.AddRow([name, .. levels.Select(l => Markup.Escape(cell(l.Summary)))]);
        Row("requests", s => s.Requests.ToString(CultureInfo.InvariantCulture));
        Row("ok", s => s.Succeeded.ToString(CultureInfo.InvariantCulture));
        if (levels.Any(l => l.Summary.Disconnected > 0)) Row("disconnected on purpose", s => s.Disconnected.ToString(CultureInfo.InvariantCulture));
        Row("errors", s => s.ErrorText);
        Row("generated tokens", s => s.Tokens.ToString(CultureInfo.InvariantCulture));
        Row("wall s", s => LevelSummary.Format(s.WallSeconds, "F2"));
        Row("tokens/s (aggregate)", s => LevelSummary.Format(s.TokensPerSecond));
        Row("TTFT ms p50/p95/p99", s => Triple(s.TimeToFirstTokenMs));
        Row("ITL ms p50/p95/p99", s => Triple(s.InterTokenLatencyMs));
        AnsiConsole.Write(table);
    }

    private static string Triple(Quantiles q) => $"{LevelSummary.Format(q.P50)} / {LevelSummary.Format(q.P95)} / {LevelSummary.Format(q.P99)}";

    private static JsonNode Prompt(Settings options, int request) => options.PromptIds is { } ids
        ? new JsonArray(ids.Select(i => (JsonNode)i).ToArray())
        : JsonValue.Create(ServePrompts.Code[request % ServePrompts.Code.Count]);

    private static HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler { MaxConnectionsPerServer = int.MaxValue, PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // each request has its own timeout
        };

    private static int[] ParseIds(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int id) ? id : throw new ArgumentException($"--prompt-ids: '{s}' is not a token id"))
            .ToArray() is { Length: > 0 } ids ? ids : throw new ArgumentException("--prompt-ids is empty");

    private static int Positive(int value, string name) => value > 0 ? value : throw new ArgumentException($"{name} must be positive, got {value}");

    private sealed record Settings(
        Uri Server,
        string? ApiKey,
        string? Model,
        int[] Levels,
        int Requests,
        int MaxTokens,
        int[]? PromptIds,
        int EditChars,
        double DisconnectFraction,
        TimeSpan RequestTimeout);
}
