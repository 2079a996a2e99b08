using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Generation;
using CodeGen.Eval.Metrics;
using CodeGen.Eval.Sandbox;
using CodeGen.Eval.Storage;
using Spectre.Console;

namespace CodeGen.Eval.Cli;

// eval run: every option is described in docs/EVAL.md (and by `eval run --help`).
internal static class RunCommand
{
    // The k of pass@k reported, those up to the samples per problem.
    public static readonly IReadOnlyList<int> ReportedK = [1, 10, 100];

    public static Command Create()
    {
        var benchmark = new Option<string>("--benchmark") { Description = "Benchmark to run.", Required = true };
        benchmark.AcceptOnlyFromAmong([.. BenchmarkCatalog.Names]);
        var server = new Option<string?>("--server") { Description = "OpenAI-compatible server to generate with, e.g. http://127.0.0.1:8080." };
        var oracle = new Option<string?>("--oracle") { Description = "Use the data set's reference solutions instead of generating: canonical." };
        oracle.AcceptOnlyFromAmong("canonical");
        var completions = new Option<string?>("--completions")
        {
            Description = "Completions made elsewhere to evaluate: JSONL of {\"task\", \"completion\"}, EvalPlus samples JSONL, "
                + "bigcode-evaluation-harness generations JSON, or a MultiPL-E completions directory (or file).",
        };
        var samples = new Option<int>("--samples") { Description = "Samples per problem (n of pass@k).", DefaultValueFactory = _ => 1 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature.", DefaultValueFactory = _ => 0.0 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Most tokens per completion.", DefaultValueFactory = _ => 512 };
        var constrain = new Option<string?>("--constrain") { Description = "Server extension: none, csharp or python." };
        var speculative = new Option<string?>("--speculative") { Description = "Server extension: none, draft or ngram." };
        var model = new Option<string?>("--model") { Description = "Model name sent to the server: its base model's id or a LoRA adapter's name (an adapter is recorded in the run's configuration)." };
        var apiKey = new Option<string?>("--api-key") { Description = "Bearer key for the server." };
        var sandbox = new Option<string>("--sandbox") { Description = "Sandbox backend.", DefaultValueFactory = _ => "bwrap" };
        sandbox.AcceptOnlyFromAmong([.. SandboxFactory.Kinds]);
        var parallel = new Option<int>("--parallel") { Description = "Samples executed at once.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var db = new Option<string>("--db") { Description = "SQLite result store.", DefaultValueFactory = _ => "results.db" };
        var name = new Option<string?>("--name") { Description = "Run name; an existing run of that name is resumed." };
        var limit = new Option<int?>("--limit") { Description = "Evaluate only the first N problems (of those --problems selects)." };
        var problemIds = new Option<string?>("--problems") { Description = "Evaluate only these problems: task ids, comma-separated (e.g. HumanEval/0,HumanEval/5)." };
        var problemsFile = new Option<string?>("--problems-file") { Description = "Evaluate only the problems whose task ids this file lists, one a line (# starts a comment)." };
        var minPass = new Option<double?>("--min-pass") { Description = "Exit 1 if pass@1 is below this value (CI gate)." };
        var mbppPrompt = new Option<string>("--mbpp-prompt") { Description = "MBPP prompt form: 3shot (the paper's) or docstring.", DefaultValueFactory = _ => "3shot" };
        mbppPrompt.AcceptOnlyFromAmong("3shot", "docstring");
        var python = new Option<string>("--python") { Description = "Python interpreter used inside the sandbox.", DefaultValueFactory = _ => PythonExecutor.DefaultInterpreter };
        var timeout = new Option<double?>("--timeout") { Description = "Per-sample time limit in seconds (default: the benchmark's)." };
        Option<string?> dockerHost = SandboxFactory.DockerHostOption();
        Option<string> dockerImage = SandboxFactory.DockerImageOption();

        var command = new Command("run", "Evaluate a model (or reference solutions, or a completions file) on a benchmark.")
        {
            benchmark, server, oracle, completions, samples, temperature, maxTokens, constrain, speculative, model, apiKey,
            sandbox, parallel, db, name, limit, problemIds, problemsFile, minPass, mbppPrompt, python, timeout, dockerHost, dockerImage,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new RunSettings(
                parseResult.GetValue(benchmark)!,
                parseResult.GetValue(server),
                parseResult.GetValue(oracle),
                parseResult.GetValue(completions),
                parseResult.GetValue(samples),
                parseResult.GetValue(temperature),
                parseResult.GetValue(maxTokens),
                parseResult.GetValue(constrain),
                parseResult.GetValue(speculative),
                parseResult.GetValue(model),
                parseResult.GetValue(apiKey),
                parseResult.GetValue(sandbox)!,
                parseResult.GetValue(parallel),
                parseResult.GetValue(db)!,
                parseResult.GetValue(name),
                parseResult.GetValue(limit),
                parseResult.GetValue(minPass),
                parseResult.GetValue(mbppPrompt) == "docstring" ? MbppPromptStyle.Docstring : MbppPromptStyle.ThreeShot,
                parseResult.GetValue(python)!,
                parseResult.GetValue(timeout),
                parseResult.GetValue(dockerHost),
                parseResult.GetValue(dockerImage)!)
            {
                Problems = parseResult.GetValue(problemIds),
                ProblemsFile = parseResult.GetValue(problemsFile),
            };
            return await ExecuteAsync(settings, parseResult.InvocationConfiguration, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    public static async Task<int> ExecuteAsync(RunSettings settings, InvocationConfiguration io, CancellationToken cancellationToken)
    {
        if (Validate(settings) is { } problem)
        {
            await io.Error.WriteLineAsync($"error: {problem}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        Benchmark benchmark = BenchmarkCatalog.Load(settings.Benchmark, settings.MbppStyle);
        if (settings.Timeout is { } seconds)
        {
            benchmark = benchmark with { Timeout = TimeSpan.FromSeconds(seconds) };
        }

        if (settings.Oracle is not null && !benchmark.HasCanonicalSolutions)
        {
            await io.Error.WriteLineAsync($"error: {benchmark.Name} has no reference solutions (MultiPL-E ships none); --oracle canonical needs humaneval, mbpp, mbpp-sanitized or mbppplus.").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        IReadOnlyList<Problem> problems;
        try
        {
            problems = ProblemSelection.Select(benchmark, settings.Problems, settings.ProblemsFile);
        }
        catch (Exception ex) when (ex is FormatException or IOException)
        {
            await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        if (settings.Limit is { } limit)
        {
            problems = [.. problems.Take(limit)];
        }

        ICompletionSource source;
        string? adapter = null; // the LoRA adapter the server runs the requests with, recorded in the run's configuration
        Func<Problem, int> samplesFor = _ => settings.Samples;
        // Only a server run needs HTTP (creating the client loads System.Net.Http and its TLS stack: ~50 ms of start-up).
        using HttpClient? http = settings.Server is null ? null : new HttpClient { Timeout = TimeSpan.FromMinutes(10) };
        try
        {
            if (settings.Completions is not null)
            {
                var file = CompletionsFile.Load(settings.Completions, benchmark);
                List<string> missing = [.. problems.Where(p => !file.ByTask.ContainsKey(p.TaskId)).Select(p => p.TaskId)];
                if (missing.Count > 0)
                {
                    await io.Error.WriteLineAsync($"error: {settings.Completions} has no completions for {missing.Count} of the {problems.Count} problems (first: {missing[0]}); choose the problems it covers with --problems or --limit, or complete the file.").ConfigureAwait(false);
                    return ExitCodes.InvalidInput;
                }

                source = file;
                samplesFor = p => file.ByTask[p.TaskId].Count;
            }
            else if (settings.Server is not null)
            {
                var client = new OpenAiCompletionClient(http!, new Uri(settings.Server.TrimEnd('/') + "/"), settings.ApiKey);
                source = new ServerCompletions(client, new GenerationSettings(settings.Temperature, settings.MaxTokens, settings.Model, settings.Constrain, settings.Speculative));
                adapter = await client.AdapterAsync(settings.Model, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                source = new OracleCompletions();
            }
        }
        catch (Exception ex) when (ex is FormatException or IOException or UriFormatException)
        {
            await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        // C#: load Roslyn and JIT-compile it on the thread pool while the sandbox is probed and the store opened.
        Task<bool> warmUp = benchmark.Language == BenchmarkLanguage.CSharp ? Task.Run(CSharpCompiler.WarmUp, CancellationToken.None) : Task.FromResult(true);
        ISandbox sandbox;
        try
        {
            sandbox = await SandboxFactory.CreateAsync(settings.Sandbox, settings.Parallel, settings.DockerHost, settings.DockerImage, cancellationToken).ConfigureAwait(false);
        }
        catch (SandboxUnavailableException ex)
        {
            await io.Error.WriteLineAsync($"error: no working sandbox, refusing to run generated code: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.NoSandbox;
        }

        using (sandbox)
        using (ResultStore store = ResultStore.Open(settings.Db))
        {
            IExecutor executor = benchmark.Language == BenchmarkLanguage.Python
                ? new PythonExecutor(sandbox, settings.Python, benchmark.LargeMemory ? new SandboxLimits { AddressSpaceBytes = 4L << 30, MemoryBytes = 9L << 29 } : null)
                : new CSharpExecutor(sandbox, new CSharpCompiler());
            string runName = settings.Name ?? $"{benchmark.Name}-{DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture)}";
            RunSummary run;
            try
            {
                run = store.StartOrResumeRun(runName, benchmark.Name, settings.Model, settings.Server, Configuration(settings, source, sandbox, adapter), GitCommit.Find(Environment.CurrentDirectory));
            }
            catch (InvalidOperationException ex)
            {
                await io.Error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            await warmUp.ConfigureAwait(false);
            var runner = new EvaluationRunner(executor, source, store, settings.Parallel);
            IReadOnlyList<ProblemOutcome> outcomes;
            try
            {
                outcomes = await RunWithProgressAsync(runner, benchmark, problems, run, samplesFor, io, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is CompletionClientException or HttpRequestException or InvalidOperationException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                await io.Error.WriteLineAsync($"error: run '{runName}' stopped (resume it with --name {runName}): {ex.Message}").ConfigureAwait(false);
                return ExitCodes.RunFailed;
            }

            Dictionary<int, double> passAtK = PassAtKValues(outcomes);
            store.FinishRun(run.Id, passAtK);
            RunReport.Write(io.Output, runName, benchmark, outcomes, passAtK);
            if (settings.MinPass is { } min && passAtK[1] < min)
            {
                await io.Error.WriteLineAsync($"pass@1 {PassAtKCommand.Format(passAtK[1])} is below --min-pass {PassAtKCommand.Format(min)}").ConfigureAwait(false);
                return ExitCodes.BelowMinPass;
            }

            return ExitCodes.Success;
        }
    }

    // pass@k averaged over problems for each reported k up to the fewest samples any problem has.
    public static Dictionary<int, double> PassAtKValues(IReadOnlyList<ProblemOutcome> outcomes)
    {
        int fewest = outcomes.Min(o => o.Samples);
        SampleCounts[] counts = [.. outcomes.Select(o => new SampleCounts(o.Samples, o.Passed))];
        return ReportedK.Where(k => k <= fewest).ToDictionary(k => k, k => PassAtK.Mean(counts, k));
    }

    private static string? Validate(RunSettings s)
    {
        int sources = (s.Server is null ? 0 : 1) + (s.Oracle is null ? 0 : 1) + (s.Completions is null ? 0 : 1);
        return sources != 1 ? "give exactly one of --server URL, --oracle canonical or --completions FILE."
            : s.Samples < 1 ? $"--samples must be at least 1, got {s.Samples}."
            : s.Parallel < 1 ? $"--parallel must be at least 1, got {s.Parallel}."
            : s.Limit is < 1 ? $"--limit must be at least 1, got {s.Limit}."
            : s.MaxTokens < 1 ? $"--max-tokens must be at least 1, got {s.MaxTokens}."
            : s.Temperature < 0 ? $"--temperature must be 0 or more, got {s.Temperature.ToString(CultureInfo.InvariantCulture)}."
            : s.MinPass is < 0 or > 1 ? $"--min-pass must be between 0 and 1, got {s.MinPass.Value.ToString(CultureInfo.InvariantCulture)}."
            : s.Timeout is <= 0 ? "--timeout must be positive."
            : s.Completions is not null && !File.Exists(s.Completions) && !Directory.Exists(s.Completions) ? $"completions file {s.Completions} does not exist."
            : s.Problems is not null && s.ProblemsFile is not null ? "give --problems or --problems-file, not both."
            : s.ProblemsFile is not null && !File.Exists(s.ProblemsFile) ? $"problems file {s.ProblemsFile} does not exist."
            : SandboxFactory.ValidateDockerHost(s.DockerHost) is { } dockerHost ? dockerHost
            : null;
    }

    private static async Task<IReadOnlyList<ProblemOutcome>> RunWithProgressAsync(
        EvaluationRunner runner, Benchmark benchmark, IReadOnlyList<Problem> problems, RunSummary run, Func<Problem, int> samplesFor,
        InvocationConfiguration io, CancellationToken cancellationToken)
    {
        bool interactive = ReferenceEquals(io.Output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
        {
            return await runner.RunAsync(benchmark, problems, run.Id, samplesFor, null, cancellationToken).ConfigureAwait(false);
        }

        IReadOnlyList<ProblemOutcome> outcomes = [];
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                ProgressTask task = context.AddTask($"{benchmark.Name} ({run.Name})", maxValue: problems.Count);
                outcomes = await runner.RunAsync(benchmark, problems, run.Id, samplesFor, (done, _) => task.Value = done, cancellationToken).ConfigureAwait(false);
            }).ConfigureAwait(false);
        return outcomes;
    }

    private static string Configuration(RunSettings settings, ICompletionSource source, ISandbox sandbox, string? adapter) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["benchmark"] = settings.Benchmark,
            ["source"] = source.Kind,
            ["server"] = settings.Server,
            ["completions"] = settings.Completions,
            ["samples"] = settings.Samples,
            ["temperature"] = settings.Temperature,
            ["max_tokens"] = settings.MaxTokens,
            ["constrain"] = settings.Constrain,
            ["speculative"] = settings.Speculative,
            ["model"] = settings.Model,
            ["adapter"] = adapter, // the dashboard's Adapter column
            ["sandbox"] = sandbox.Description,
            ["parallel"] = settings.Parallel,
            ["limit"] = settings.Limit,
            ["problems"] = settings.Problems,
            ["problems_file"] = settings.ProblemsFile,
            ["mbpp_prompt"] = settings.MbppStyle == MbppPromptStyle.Docstring ? "docstring" : "3shot",
            ["python"] = settings.Python,
            ["timeout_s"] = settings.Timeout,
        });
}
