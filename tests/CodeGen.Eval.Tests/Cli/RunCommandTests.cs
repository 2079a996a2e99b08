using System.CommandLine;
using System.Text.Json;
using CodeGen.Eval.Cli;
using CodeGen.Eval.Storage;

namespace CodeGen.Eval.Tests.Cli;

[Collection(SandboxCollection.Name)]
public sealed class RunCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-eval-test-").FullName;

    public RunCommandTests(SandboxFixture fixture)
    {
        _ = fixture; // Ensures bwrap works before the CLI builds its own sandbox.
    }

    private string Db => Path.Combine(_directory, "results.db");

    [Fact]
    public void Run_HumanEvalOracle_AllPass()
    {
        (int exitCode, string output, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--parallel", "2", "--db", Db, "--name", "he");

        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        string[] lines = output.TrimEnd().Split('\n');
        Assert.Equal("pass@1=1 passed=164 total=164", lines[^1]);
        Assert.Equal("statuses: passed=164", lines[^2]);
        Assert.Contains("HumanEval/163", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_BrokenCompletions_ZeroPassesAndMinPassFails()
    {
        string file = WriteCompletions(Enumerable.Range(0, 10).Select(i => ($"HumanEval/{i}", "    return None\n")));

        (int exitCode, string output, string error) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "10", "--db", Db, "--min-pass", "0.5");

        Assert.Equal(1, exitCode);
        Assert.EndsWith("pass@1=0 passed=0 total=10", output.TrimEnd(), StringComparison.Ordinal);
        Assert.Equal("pass@1 0 is below --min-pass 0.5\n", error);
    }

    [Fact]
    public void Run_CompletionsWithThreeSamples_ReportsUnbiasedPassAtK()
    {
        // HumanEval/0: 2 of 3 correct; HumanEval/1: 0 of 3; HumanEval/2: 3 of 3.
        const string Good0 = "    return any(abs(a - b) < threshold for i, a in enumerate(numbers) for j, b in enumerate(numbers) if i != j)\n";
        const string Bad = "    return None\n";
        const string Good2 = "    return number % 1.0\n";
        string file = WriteCompletions([
            ("HumanEval/0", Good0), ("HumanEval/0", Bad), ("HumanEval/0", Good0),
            ("HumanEval/1", Bad), ("HumanEval/1", Bad), ("HumanEval/1", Bad),
            ("HumanEval/2", Good2), ("HumanEval/2", Good2), ("HumanEval/2", Good2),
        ]);

        (int exitCode, string output, _) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "3", "--db", Db, "--min-pass", "0.5", "--name", "k");

        // pass@1 = (2/3 + 0 + 1) / 3 = 5/9 = 0.555556.
        Assert.Equal(0, exitCode);
        Assert.EndsWith("pass@1=0.555556 passed=5 total=9", output.TrimEnd(), StringComparison.Ordinal);
        using ResultStore store = ResultStore.OpenReadOnly(Db);
        RunSummary run = store.FindRun("k")!;
        Assert.Equal(5.0 / 9.0, run.PassAtK[1], 1e-12);
        Assert.Equal(9, store.GetSamples(run.Id).Count);
        Assert.Equal(["passed", "failed", "passed"], store.GetSamples(run.Id).Where(s => s.Problem == "HumanEval/0").Select(s => s.Status));
    }

    [Fact]
    public void Run_InterruptedRun_ResumesSkippingStoredSamples()
    {
        string file = WriteCompletions(Enumerable.Range(0, 4).Select(i => ($"HumanEval/{i}", "    return None\n")));
        Assert.Equal(1, Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "2", "--db", Db, "--name", "r", "--min-pass", "1").ExitCode);

        // The same run name over 4 problems: the 2 stored samples are not run again (their stored status is
        // kept even though it is now doctored to passed), the other 2 are.
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Db}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE samples SET status = 'passed'";
            command.ExecuteNonQuery();
        }

        (int exitCode, string output, _) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "4", "--db", Db, "--name", "r");

        Assert.Equal(0, exitCode);
        Assert.EndsWith("pass@1=0.5 passed=2 total=4", output.TrimEnd(), StringComparison.Ordinal);
    }

    // A file that covers only some problems: --problems picks them, in the benchmark's order, and nothing else runs.
    [Fact]
    public void Run_ProblemsListWithCompletionsForThoseOnly_EvaluatesJustThem()
    {
        string file = WriteCompletions([("HumanEval/5", "    return None\n"), ("HumanEval/2", "    return number % 1.0\n")]);

        (int exitCode, string output, string error) = Run("run", "--benchmark", "humaneval", "--completions", file, "--problems", "HumanEval/5, HumanEval/2", "--db", Db, "--name", "subset");

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        Assert.EndsWith("pass@1=0.5 passed=1 total=2", output.TrimEnd(), StringComparison.Ordinal);
        Assert.True(output.IndexOf("HumanEval/2", StringComparison.Ordinal) < output.IndexOf("HumanEval/5", StringComparison.Ordinal), output);
        Assert.DoesNotContain("HumanEval/0", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ProblemsFile_EvaluatesTheListedIds()
    {
        string ids = Path.Combine(_directory, "ids.txt");
        File.WriteAllText(ids, "# the two easy ones\nHumanEval/2\n\nHumanEval/7  # filter_by_substring\n");

        (int exitCode, string output, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--problems-file", ids, "--db", Db, "--name", "file");

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        Assert.EndsWith("pass@1=1 passed=2 total=2", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_UnknownProblemId_ErrorNamesIt()
    {
        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--problems", "HumanEval/2,Mbpp/2", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal("error: --problems: 'Mbpp/2' is not a problem of humaneval (its ids look like HumanEval/0).\n", error);
    }

    [Theory]
    [InlineData("--problems", " , ", "error: --problems names no task id; give ids separated by commas, e.g. --problems HumanEval/0,HumanEval/5.\n")]
    [InlineData("--problems-file", "/nonexistent/ids.txt", "error: problems file /nonexistent/ids.txt does not exist.\n")]
    public void Run_BadProblemsOption_ErrorNamesIt(string option, string value, string expected)
    {
        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", option, value, "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void Run_ProblemsAndProblemsFile_ErrorAsksForOne()
    {
        string ids = Path.Combine(_directory, "ids.txt");
        File.WriteAllText(ids, "HumanEval/2\n");

        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--problems", "HumanEval/2", "--problems-file", ids, "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal("error: give --problems or --problems-file, not both.\n", error);
    }

    [Fact]
    public void Run_UnknownIdInProblemsFile_ErrorNamesFileAndLine()
    {
        string ids = Path.Combine(_directory, "ids.txt");
        File.WriteAllText(ids, "HumanEval/2\nHumanEval/200\n");

        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--problems-file", ids, "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: {ids}:2: 'HumanEval/200' is not a problem of humaneval (its ids look like HumanEval/0).\n", error);
    }

    [Fact]
    public void Run_CompletionsMissingAProblem_ErrorSuggestsProblems()
    {
        string file = WriteCompletions([("HumanEval/2", "    return number % 1.0\n")]);

        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "3", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal($"error: {file} has no completions for 2 of the 3 problems (first: HumanEval/0); choose the problems it covers with --problems or --limit, or complete the file.\n", error);
    }

    [Fact]
    public void Run_CompletionsLineMissingAField_ErrorNamesLineAndField()
    {
        string file = Path.Combine(_directory, "broken.jsonl");
        File.WriteAllText(file, "{\"task\": \"HumanEval/0\", \"completion\": \"x\"}\n{\"task\": \"HumanEval/1\"}\n");

        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "2", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.StartsWith($"error: {file}:2: missing field \"completion\";", error, StringComparison.Ordinal);
    }

    // bigcode-evaluation-harness generations (prompt included, as the harness writes them) through the whole CLI.
    [Fact]
    public void Run_BigcodeGenerations_EvaluatedLikeCompletions()
    {
        var humanEval = CodeGen.Eval.Benchmarks.BenchmarkCatalog.Load("humaneval");
        string file = Path.Combine(_directory, "generations.json");
        File.WriteAllText(file, JsonSerializer.Serialize(new[]
        {
            new[] { humanEval.Problems[0].Prompt.Trim() + "\n" + humanEval.Problems[0].CanonicalSolution },
            new[] { humanEval.Problems[1].Prompt.Trim() + "\n    return []\n" },
        }));

        (int exitCode, string output, string error) = Run("run", "--benchmark", "humaneval", "--completions", file, "--limit", "2", "--db", Db, "--name", "bigcode");

        Assert.Equal("", error);
        Assert.Equal(0, exitCode);
        Assert.EndsWith("pass@1=0.5 passed=1 total=2", output.TrimEnd(), StringComparison.Ordinal);
    }

    [Fact]
    public void Run_NoCompletionSource_ExitsOneWithMessage()
    {
        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal("error: give exactly one of --server URL, --oracle canonical or --completions FILE.\n", error);
    }

    [Fact]
    public void Run_OracleOnCSharp_ExitsOneNoReferenceSolutions()
    {
        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval-cs", "--oracle", "canonical", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("error: humaneval-cs has no reference solutions", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DockerDaemonUnreachable_RefusesWithExitTwo()
    {
        (int exitCode, string output, string error) = Run(
            "run", "--benchmark", "humaneval", "--oracle", "canonical", "--sandbox", "docker", "--docker-host", "unix:///nonexistent/docker.sock", "--db", Db);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal(
            "error: no working sandbox, refusing to run generated code: docker sandbox unavailable: no Docker daemon socket at /nonexistent/docker.sock; " +
            "start dockerd and build the image with eval/Sandbox/Docker/build-image.sh (as root), or point --docker-host (or DOCKER_HOST) at a running daemon.\n",
            error);
        Assert.False(File.Exists(Db));
    }

    [Fact]
    public void Run_BadDockerHost_ExitsOneWithMessage()
    {
        (int exitCode, _, string error) = Run("run", "--benchmark", "humaneval", "--oracle", "canonical", "--sandbox", "docker", "--docker-host", "docker.sock", "--db", Db);

        Assert.Equal(1, exitCode);
        Assert.Equal("error: --docker-host must be unix:///path/to/docker.sock, tcp://host:port or http://host:port, got 'docker.sock'.\n", error);
    }

    [Fact]
    public void Exec_PythonFile_PrintsStatusExitCodeAndOutput()
    {
        string program = Path.Combine(_directory, "p.py");
        File.WriteAllText(program, "print('hi')\nassert False, 'nope'\n");

        (int exitCode, string output, _) = Run("exec", program);

        Assert.Equal(1, exitCode);
        Assert.StartsWith("status: failed\nexit code: 1\nduration: ", output, StringComparison.Ordinal);
        Assert.Contains("\nstdout:\nhi\nstderr:\nTraceback (most recent call last):\n", output, StringComparison.Ordinal);
        Assert.EndsWith("AssertionError: nope\n", output, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteCompletions(IEnumerable<(string Task, string Completion)> lines)
    {
        string path = Path.Combine(_directory, $"completions-{Guid.NewGuid():N}.jsonl");
        File.WriteAllLines(path, lines.Select(l => JsonSerializer.Serialize(new { task = l.Task, completion = l.Completion })));
        return path;
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        int exitCode = EvalCommandLine.Create().Parse(args).Invoke(configuration);
        return (exitCode, output.ToString(), error.ToString());
    }
}
