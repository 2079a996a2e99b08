namespace CodeGen.Web.Runs;

// One problem of a run: how its samples ended.
// StatusCounts: samples per status, statuses in SampleStatuses order.
// MeanDurationMs: mean compile plus run time of its samples.
public sealed record ProblemRow(string Problem, int Samples, int Passed, IReadOnlyList<(string Status, int Count)> StatusCounts, double MeanDurationMs)
{
    // The fraction of samples that passed: the problem's pass@1 estimate.
    public double PassRate => Samples == 0 ? 0 : (double)Passed / Samples;

    // Whether any sample ended with this status.
    public bool Has(string status) => StatusCounts.Any(s => s.Status == status);
}
