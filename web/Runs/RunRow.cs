using CodeGen.Eval.Storage;

namespace CodeGen.Web.Runs;

// One line of the runs table.
// Model: the model the run asked for; for oracle and file runs, the completion source in parentheses.
// Adapter: the LoRA adapter from the run's configuration, when it records one.
// Samples: samples stored for the run.
// PassAt1: stored pass@1, or null while the run has not finished.
// TopK, PassAtTopK: the largest k with a stored pass@k above 1 (null when only pass@1 exists).
// Duration: finished minus started; null while running.
public sealed record RunRow(
    long Id,
    string Name,
    string Model,
    string? Adapter,
    string Benchmark,
    DateTimeOffset StartedAt,
    int Samples,
    double? PassAt1,
    int? TopK,
    double? PassAtTopK,
    TimeSpan? Duration,
    string? GitCommit)
{
    public static RunRow From(RunSummary run, int samples)
    {
        RunConfiguration configuration = RunConfiguration.Parse(run.Configuration);
        int? topK = run.PassAtK.Keys.Where(k => k > 1).Select(k => (int?)k).Max();
        return new RunRow(
            run.Id,
            run.Name,
            run.Model ?? $"({configuration.Source ?? "no model"})",
            configuration.Adapter,
            run.Benchmark,
            run.StartedAt,
            samples,
            run.PassAtK.TryGetValue(1, out double pass1) ? pass1 : null,
            topK,
            topK is int k2 ? run.PassAtK[k2] : null,
            run.FinishedAt - run.StartedAt,
            run.GitCommit);
    }
}
