namespace CodeGen.Web.Tests;

/// <summary>
/// A small store with known contents that page and browser tests assert against:
/// run 1 "baseline" (humaneval, tiny-llama, pass@1 0.5): HumanEval/0 passed, /1 failed, /2 passed, /3 timeout;
/// run 2 "finetuned" (humaneval, tiny-llama + lora-v1, pass@1 0.75): /0 passed, /1 passed, /2 compile_error,
/// /3 passed with a completion holding a script tag;
/// run 3 "mbpp-run" (mbpp, other-model, pass@1 0.25, pass@2 0.5): 11 passed and failed, 12 runtime_error and failed;
/// run 4 "in-progress" (humaneval, unfinished): /0 passed.
/// </summary>
internal static class DemoStore
{
    public const string ScriptCompletion = "    return \"</code></pre><script>document.title='pwned'</script>\"\n";

    public static readonly DateTimeOffset Day1 = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public static string Create(string path)
    {
        using SeededStore store = SeededStore.Create(path);
        long baseline = store.AddRun("baseline", startedAt: Day1, passAtK: new Dictionary<int, double> { [1] = 0.5 }, gitCommit: "aaaaaaaaaaaa1111");
        store.AddSample(baseline, "HumanEval/0", 0, "passed", completion: "    return sorted(numbers)\n");
        store.AddSample(baseline, "HumanEval/1", 0, "failed", stderr: "AssertionError");
        store.AddSample(baseline, "HumanEval/2", 0, "passed");
        store.AddSample(baseline, "HumanEval/3", 0, "timeout", durationMs: 3000, exitCode: null);

        long finetuned = store.AddRun("finetuned", startedAt: Day1.AddDays(1), passAtK: new Dictionary<int, double> { [1] = 0.75 }, adapter: "lora-v1", gitCommit: "bbbbbbbbbbbb2222");
        store.AddSample(finetuned, "HumanEval/0", 0, "passed");
        store.AddSample(finetuned, "HumanEval/1", 0, "passed", stdout: "hello from stdout");
        store.AddSample(finetuned, "HumanEval/2", 0, "compile_error", stderr: "SyntaxError: invalid syntax");
        store.AddSample(finetuned, "HumanEval/3", 0, "passed", completion: ScriptCompletion);

        long mbpp = store.AddRun("mbpp-run", benchmark: "mbpp", model: "other-model", startedAt: Day1.AddDays(2), passAtK: new Dictionary<int, double> { [1] = 0.25, [2] = 0.5 }, samplesPerProblem: 2, duration: TimeSpan.FromMinutes(5));
        store.AddSample(mbpp, "11", 0, "passed");
        store.AddSample(mbpp, "11", 1, "failed");
        store.AddSample(mbpp, "12", 0, "runtime_error");
        store.AddSample(mbpp, "12", 1, "failed");

        long running = store.AddRun("in-progress", startedAt: Day1.AddDays(3));
        store.AddSample(running, "HumanEval/0", 0, "passed");
        return path;
    }
}
