using CodeGen.Eval.Storage;

namespace CodeGen.Web.Runs;

// pass@1 over time for one model on one benchmark: the finished runs that stored a pass@1, oldest first.
internal sealed record TrendSeries(string Model, string Benchmark, IReadOnlyList<(DateTimeOffset FinishedAt, double PassAt1, long RunId, string RunName)> Points)
{
    public string Label => $"{Model} · {Benchmark}";

    public static IReadOnlyList<TrendSeries> Build(IEnumerable<RunSummary> runs, string? benchmark) =>
    [
        .. runs
            .Where(r => r.FinishedAt is not null && r.PassAtK.ContainsKey(1) && (benchmark is null || r.Benchmark == benchmark))
            .GroupBy(r => (Model: RunRow.From(r, 0).Model, r.Benchmark))
            .Select(g => new TrendSeries(
                g.Key.Model,
                g.Key.Benchmark,
                [.. g.OrderBy(r => r.FinishedAt).Select(r => (r.FinishedAt!.Value, r.PassAtK[1], r.Id, r.Name))]))
            .OrderBy(s => s.Benchmark, StringComparer.Ordinal)
            .ThenBy(s => s.Model, StringComparer.Ordinal),
    ];
}
