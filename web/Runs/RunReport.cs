using CodeGen.Eval.Storage;

namespace CodeGen.Web.Runs;

// A run's samples summed up for its page: statuses over all samples and one row per problem in data-set order.
// StatusCounts: samples per status, in SampleStatuses order.
// MeanPassRate: the mean over problems of the fraction of samples that passed (pass@1 from the samples).
internal sealed record RunReport(RunSummary Run, int Samples, IReadOnlyList<(string Status, int Count)> StatusCounts, IReadOnlyList<ProblemRow> Problems)
{
    public double? MeanPassRate => Problems.Count == 0 ? null : Problems.Average(p => p.PassRate);

    public static RunReport Build(RunSummary run, IReadOnlyList<SampleOutcome> outcomes)
    {
        var byProblem = new Dictionary<string, List<SampleOutcome>>(StringComparer.Ordinal);
        var order = new List<string>();
        var statusCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (SampleOutcome outcome in outcomes)
        {
            if (!byProblem.TryGetValue(outcome.Problem, out List<SampleOutcome>? samples))
            {
                samples = [];
                byProblem[outcome.Problem] = samples;
                order.Add(outcome.Problem);
            }

            samples.Add(outcome);
            statusCounts[outcome.Status] = statusCounts.GetValueOrDefault(outcome.Status) + 1;
        }

        List<ProblemRow> problems = [.. order.Select(problem =>
        {
            List<SampleOutcome> samples = byProblem[problem];
            return new ProblemRow(
                problem,
                samples.Count,
                samples.Count(s => s.Status == SampleStatuses.Passed),
                [.. SampleStatuses.InOrder(samples.Select(s => s.Status)).Select(s => (s, samples.Count(x => x.Status == s)))],
                samples.Average(s => s.DurationMs));
        })];
        return new RunReport(
            run,
            outcomes.Count,
            [.. SampleStatuses.InOrder(statusCounts.Keys).Select(s => (s, statusCounts[s]))],
            problems);
    }
}
