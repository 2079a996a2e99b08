namespace CodeGen.Bench.Serving;

/// <summary>Percentiles by linear interpolation between closest ranks (numpy's default), so small samples give stable values.</summary>
internal static class Percentiles
{
    /// <summary>The <paramref name="percent"/>-th percentile (0..100) of <paramref name="values"/>; NaN when there are none.</summary>
    public static double Of(IEnumerable<double> values, double percent)
    {
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent), percent, "expected 0..100");
        double[] sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double rank = percent / 100 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (rank - below);
    }

    /// <summary>p50, p95 and p99 of <paramref name="values"/>.</summary>
    public static Quantiles Summarize(IReadOnlyCollection<double> values) =>
        new(Of(values, 50), Of(values, 95), Of(values, 99));
}
