using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CodeGen.Bench.Lsp;
using CodeGen.Bench.Serving;
using CodeGen.Lsp;
using Microsoft.Extensions.Logging.Abstractions;
using Nerdbank.Streams;
using Spectre.Console;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench lsp</c>: the language server in-process over a pipe, against a running CodeGen server on this machine.
/// typing: keystroke-to-suggestion latency while a 60-character line is typed at a fixed interval (the line of
/// a held-out file, and the line the model itself suggested, typed through), with upstream requests per
/// keystroke and the cache hit rate. context: exact match of the next line and of the next identifier on
/// held-out files of a repository (split by file), with and without repository context.
/// </summary>
internal static class LspBenchmark
{
    public static Command Create()
    {
        Option<string> server = new("--server") { Description = "CodeGen server base URL (loopback only).", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        Option<string> workload = new("--workload") { Description = "typing | context.", DefaultValueFactory = _ => "typing" };
        Option<string?> repo = new("--repo") { Description = "Repository whose held-out files are completed (default: this one, found upward from the working directory)." };
        Option<string> debounce = new("--debounce") { Description = "typing: comma-separated debounce delays in ms.", DefaultValueFactory = _ => "25,60" };
        Option<int> keyMs = new("--key-ms") { Description = "typing: milliseconds between keystrokes.", DefaultValueFactory = _ => 30 };
        Option<int> lineChars = new("--line-chars") { Description = "typing: characters typed per line.", DefaultValueFactory = _ => 60 };
        Option<string> scenario = new("--scenario") { Description = "typing: real (the held-out line), suggestion (the model's own suggestion, typed through) or both.", DefaultValueFactory = _ => "both" };
        Option<int> lines = new("--lines") { Description = "typing: lines typed per debounce setting and scenario.", DefaultValueFactory = _ => 6 };
        Option<int> perFile = new("--per-file") { Description = "context: cursor positions per held-out file.", DefaultValueFactory = _ => 4 };
        Option<string> contextTokens = new("--context-tokens") { Description = "context: comma-separated context budgets in tokens (0 = no context).", DefaultValueFactory = _ => "0,96,192" };
        Option<string> fim = new("--fim") { Description = "context: comma-separated fim settings (true sends the suffix, false the prefix only).", DefaultValueFactory = _ => "true,false" };
        var command = new Command("lsp", "Language server: keystroke-to-suggestion latency and the value of repository context.")
        {
            server, workload, repo, debounce, keyMs, lineChars, scenario, lines, perFile, contextTokens, fim,
        };
        command.SetAction(async (parse, cancellation) =>
        {
            Uri url = ServeBenchmark.RequireLoopback(parse.GetRequiredValue(server));
            string root = parse.GetValue(repo) ?? FindRepositoryRoot();
            return parse.GetRequiredValue(workload) switch
            {
                "typing" => await RunTypingAsync(url, root, Ints(parse.GetRequiredValue(debounce)), parse.GetValue(keyMs), parse.GetValue(lineChars), parse.GetValue(lines), Scenarios(parse.GetRequiredValue(scenario))),
                "context" => await RunContextAsync(url, root, parse.GetValue(perFile), Ints(parse.GetRequiredValue(contextTokens)), Bools(parse.GetRequiredValue(fim))),
                string other => throw new ArgumentException($"Unknown --workload '{other}' (expected typing or context)"),
            };
        });
        return command;
    }

    private static bool[] Scenarios(string scenario) => scenario switch
    {
        "real" => [false],
        "suggestion" => [true],
        "both" => [false, true],
        _ => throw new ArgumentException($"Unknown --scenario '{scenario}' (expected real, suggestion or both)"),
    };

    private static async Task<int> RunTypingAsync(Uri url, string root, int[] debounces, int keyMs, int lineChars, int lineCount, bool[] scenarios)
    {
        IReadOnlyList<HeldOutFiles.Target> all = [.. HeldOutFiles.SourceFiles(root)
            .Where(HeldOutFiles.IsHeldOut)
            .SelectMany(path => HeldOutFiles.Targets(path, File.ReadAllText(Path.Combine(root, path)), perFile: 2, minChars: lineChars))];
        if (all.Count == 0) throw new ArgumentException($"No held-out line of {lineChars}+ characters under {root}");
        HeldOutFiles.Target[] targets = [.. Enumerable.Range(0, Math.Min(lineCount, all.Count)).Select(i => all[i * all.Count / Math.Min(lineCount, all.Count)])];

        var table = new Table().AddColumns(
            "debounce ms", "scenario", "keystrokes", "suggestions shown", "latency ms p50/p95", "upstream requests / keystroke",
            "cache hits / LSP requests", "joined in flight", "aborted");
        foreach (int debounce in debounces)
        {
            foreach (bool typeThrough in scenarios)
            {
                TypingResult result = await TypeLinesAsync(url, targets, debounce, keyMs, lineChars, typeThrough);
                Quantiles q = Percentiles.Summarize(result.ShownLatencies);
                table.AddRow(
                    debounce.ToString(CultureInfo.InvariantCulture),
                    typeThrough ? "typing the suggestion" : "typing the real line",
                    result.Keystrokes.ToString(CultureInfo.InvariantCulture),
                    result.ShownLatencies.Count.ToString(CultureInfo.InvariantCulture),
                    result.ShownLatencies.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture, $"{q.P50:0} / {Percentiles.Of(result.ShownLatencies, 95):0}"),
                    string.Create(CultureInfo.InvariantCulture, $"{(double)result.Upstream / Math.Max(1, result.Keystrokes):0.00}"),
                    string.Create(CultureInfo.InvariantCulture, $"{result.CacheHits} / {result.Keystrokes} ({100.0 * result.CacheHits / Math.Max(1, result.Keystrokes):0}%)"),
                    result.Joins.ToString(CultureInfo.InvariantCulture),
                    result.Aborted.ToString(CultureInfo.InvariantCulture));
            }
        }

        AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
        AnsiConsole.MarkupLine(Markup.Escape(
            $"typing: {targets.Length} held-out lines of {root}, {lineChars} characters each at one keystroke per {keyMs} ms; after each keystroke " +
            "a didChange and an automatic textDocument/inlineCompletion, as an editor sends them. Latency: keystroke to a response with a suggestion."));
        AnsiConsole.Write(table);
        return 0;
    }

    private sealed record TypingResult(int Keystrokes, List<double> ShownLatencies, int Upstream, int CacheHits, int Joins, int Aborted);

    private static async Task<TypingResult> TypeLinesAsync(Uri url, HeldOutFiles.Target[] targets, int debounce, int keyMs, int lineChars, bool typeThrough)
    {
        await using Session session = await Session.StartAsync(url, new { debounceMs = debounce }, rootUri: null);
        var latencies = new List<double>();
        int keystrokes = 0;
        int upstreamBefore = 0;
        for (int n = 0; n < targets.Length; n++)
        {
            HeldOutFiles.Target target = targets[n];
            string uri = $"file:///bench/typing/{n}/{target.Path}";
            await session.Client.NotifyAsync("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = 1, text = target.Document } });
            (int line, int character) = LineAndCharacter(target.Document, target.Offset);
            string typed = target.Line[..Math.Min(lineChars, target.Line.Length)];
            if (typeThrough)
            {
                // What the model suggests at the line start, asked for explicitly (not counted below).
                string first = Text(await Inline(session.Client, uri, line, character, invoked: true));
                upstreamBefore += 1;
                if (first.Split('\n')[0].Length < 2) continue;
                typed = first.Split('\n')[0][..Math.Min(lineChars, first.Split('\n')[0].Length)];
            }

            var pending = new List<Task>();
            var clock = Stopwatch.StartNew();
            for (int k = 0; k < typed.Length; k++)
            {
                TimeSpan due = TimeSpan.FromMilliseconds((double)k * keyMs);
                if (clock.Elapsed < due) await Task.Delay(due - clock.Elapsed);
                await session.Client.NotifyAsync("textDocument/didChange", new
                {
                    textDocument = new { uri, version = k + 2 },
                    contentChanges = new[] { new { range = Range(line, character + k), text = typed[k].ToString() } },
                });
                long sent = Stopwatch.GetTimestamp();
                Task<JsonElement> response = Inline(session.Client, uri, line, character + k + 1, invoked: false);
                pending.Add(response.ContinueWith(
                    r =>
                    {
                        if (r.IsCompletedSuccessfully && Text(r.Result).Length > 0)
                        {
                            lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                        }
                    },
                    TaskScheduler.Default));
                keystrokes++;
            }

            await Task.WhenAll(pending);
            await session.Client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri } });
        }

        CodeGen.Lsp.Completion.CompletionEngine engine = session.Server.Engine;
        int cacheHits = engine.Cache.Hits;
        return new TypingResult(keystrokes, latencies, engine.RequestsSent - upstreamBefore, cacheHits, engine.Joins, engine.Aborted);
    }

    private static async Task<int> RunContextAsync(Uri url, string root, int perFile, int[] budgets, bool[] fims)
    {
        IReadOnlyList<string> files = HeldOutFiles.SourceFiles(root);
        string[] heldOut = [.. files.Where(HeldOutFiles.IsHeldOut)];
        string workspace = Directory.CreateTempSubdirectory("codegen-bench-workspace-").FullName;
        try
        {
            // The workspace holds the other files only: context never comes from the held-out set.
            foreach (string path in files.Where(p => !HeldOutFiles.IsHeldOut(p)))
            {
                string copy = Path.Combine(workspace, path);
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(Path.Combine(root, path), copy);
            }

            HeldOutFiles.Target[] targets = [.. heldOut.SelectMany(path => HeldOutFiles.Targets(path, File.ReadAllText(Path.Combine(root, path)), perFile, minChars: 12))];
            var table = new Table().AddColumns("fim", "context tokens", "targets", "next line exact", "next identifier exact", "latency ms p50/p95", "prompts with context");
            foreach ((bool useFim, int budget) in fims.SelectMany(f => budgets.Select(b => (f, b))))
            {
                await using Session session = await Session.StartAsync(
                    url, new { debounceMs = 0, lines = "single", maxTokens = 32, contextTokens = budget, fim = useFim, requestTimeoutMs = 60_000 }, new Uri(workspace + "/").AbsoluteUri);
                await session.Server.Workspace.Loaded;
                int lineHits = 0;
                int identifierHits = 0;
                int withContext = 0;
                var latencies = new List<double>();
                for (int n = 0; n < targets.Length; n++)
                {
                    HeldOutFiles.Target target = targets[n];
                    string uri = new Uri(Path.Combine(workspace, target.Path)).AbsoluteUri + $"?target={n}";
                    await session.Client.NotifyAsync("textDocument/didOpen", new { textDocument = new { uri, languageId = "csharp", version = 1, text = target.Document } });
                    (int line, int character) = LineAndCharacter(target.Document, target.Offset);
                    long start = Stopwatch.GetTimestamp();
                    string suggestion = Text(await Inline(session.Client, uri, line, character, invoked: true));
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    lineHits += HeldOutFiles.LineMatches(suggestion, target.Line) ? 1 : 0;
                    identifierHits += HeldOutFiles.IdentifierMatches(suggestion, target.Line) ? 1 : 0;
                    await session.Client.NotifyAsync("textDocument/didClose", new { textDocument = new { uri } });
                }

                withContext = session.Server.Engine.PromptsWithContext;
                Quantiles q = Percentiles.Summarize(latencies);
                table.AddRow(
                    useFim ? "suffix sent" : "prefix only",
                    budget.ToString(CultureInfo.InvariantCulture),
                    targets.Length.ToString(CultureInfo.InvariantCulture),
                    Share(lineHits, targets.Length),
                    Share(identifierHits, targets.Length),
                    string.Create(CultureInfo.InvariantCulture, $"{q.P50:0} / {Percentiles.Of(latencies, 95):0}"),
                    withContext.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 160);
            AnsiConsole.MarkupLine(Markup.Escape(
                $"context: {heldOut.Length} held-out files of {files.Count} C# sources under {root} (split by a hash of the path), up to {perFile} cursors per file " +
                "at the start of a line (the line removed), single-line suggestions, greedy; the workspace folder holds the other files."));
            AnsiConsole.Write(table);
            return 0;
        }
        finally
        {
            Directory.Delete(workspace, recursive: true);
        }
    }

    private static string Share(int hits, int total) =>
        string.Create(CultureInfo.InvariantCulture, $"{hits} ({100.0 * hits / Math.Max(1, total):0.0}%)");

    private static Task<JsonElement> Inline(LspPipeClient client, string uri, int line, int character, bool invoked) =>
        client.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line, character },
            context = new { triggerKind = invoked ? 1 : 2 },
        });

    private static string Text(JsonElement response) =>
        response.TryGetProperty("result", out JsonElement result) && result.GetProperty("items").GetArrayLength() > 0
            ? result.GetProperty("items")[0].GetProperty("insertText").GetString()!
            : "";

    private static object Range(int line, int character) => new
    {
        start = new { line, character },
        end = new { line, character },
    };

    private static (int Line, int Character) LineAndCharacter(string text, int offset)
    {
        int line = text.AsSpan(0, offset).Count('\n');
        return (line, offset - (text.LastIndexOf('\n', Math.Max(0, offset - 1)) + 1));
    }

    private static bool[] Bools(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => bool.TryParse(s, out bool b) ? b : throw new ArgumentException($"'{s}' is not true or false"))];

    private static int[] Ints(string text) =>
        [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : throw new ArgumentException($"'{s}' is not a non-negative integer"))];

    private static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CodeGen.sln"))) return dir.FullName;
        }

        throw new ArgumentException("No CodeGen.sln above the working directory: pass --repo");
    }

    /// <summary>One in-process language server session and its client.</summary>
    private sealed class Session : IAsyncDisposable
    {
        private Task<int> _run = Task.FromResult(0);

        public LanguageServer Server { get; private init; } = null!;

        public LspPipeClient Client { get; private init; } = null!;

        public static async Task<Session> StartAsync(Uri url, object options, string? rootUri)
        {
            (Stream clientEnd, Stream serverEnd) = FullDuplexStream.CreatePair();
            var server = new LanguageServer(new LspOptions(url, ApiKey: null), NullLoggerFactory.Instance);
            var session = new Session { Server = server, Client = new LspPipeClient(clientEnd) };
            session._run = server.RunAsync(serverEnd, serverEnd, CancellationToken.None);
            await session.Client.RequestAsync("initialize", new { processId = (int?)null, rootUri, capabilities = new { }, initializationOptions = options });
            await session.Client.NotifyAsync("initialized", new { });
            return session;
        }

        public async ValueTask DisposeAsync()
        {
            await Client.RequestAsync("shutdown", null);
            await Client.NotifyAsync("exit", null);
            await _run.WaitAsync(TimeSpan.FromSeconds(10));
            await Client.DisposeAsync();
        }
    }
}
