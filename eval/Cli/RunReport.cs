using System.Globalization;
using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Execution;
using Spectre.Console;

namespace CodeGen.Eval.Cli;

// The end of `eval run`: a per-problem table, the per-status breakdown, and as the very last line
// `pass@1=<value> passed=<n> total=<m>` followed by `pass@k=<value>` for the other reported k
// (passed and total count samples).
internal static class RunReport
{
    public static void Write(TextWriter output, string runName, Benchmark benchmark, IReadOnlyList<ProblemOutcome> outcomes, IReadOnlyDictionary<int, double> passAtK)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        console.Profile.Width = 100;
        var table = new Table().Title($"{benchmark.Name}: run {runName}").AddColumns("problem", "samples", "passed", "statuses");
        foreach (ProblemOutcome outcome in outcomes)
        {
            table.AddRow(
                Markup.Escape(outcome.TaskId),
                outcome.Samples.ToString(CultureInfo.InvariantCulture),
                outcome.Passed.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(StatusCounts(outcome.Statuses)));
        }

        console.Write(table);
        output.WriteLine("statuses: " + StatusCounts(outcomes.SelectMany(o => o.Statuses)));
        int tooLong = outcomes.Count(o => o.Statuses.Contains(ExecutionStatus.PromptTooLong));
        if (tooLong > 0)
        {
            output.WriteLine($"prompt_too_long: {tooLong} of {outcomes.Count} problems did not fit the model's context with the requested max_tokens (not run, counted as failures; each sample's stderr gives the numbers)");
        }

        output.WriteLine(FinalLine(outcomes, passAtK));
    }

    public static string FinalLine(IReadOnlyList<ProblemOutcome> outcomes, IReadOnlyDictionary<int, double> passAtK)
    {
        int passed = outcomes.Sum(o => o.Passed);
        int total = outcomes.Sum(o => o.Samples);
        string line = $"pass@1={PassAtKCommand.Format(passAtK[1])} passed={passed} total={total}";
        foreach ((int k, double value) in passAtK.Where(p => p.Key != 1).OrderBy(p => p.Key))
        {
            line += $" pass@{k}={PassAtKCommand.Format(value)}";
        }

        return line;
    }

    // "passed=3 failed=1" in ExecutionStatus order, statuses that occurred only.
    public static string StatusCounts(IEnumerable<ExecutionStatus> statuses)
    {
        var counts = statuses.GroupBy(s => s).ToDictionary(g => g.Key, g => g.Count());
        return string.Join(' ', Enum.GetValues<ExecutionStatus>().Where(counts.ContainsKey).Select(s => $"{s.ToName()}={counts[s]}"));
    }
}
