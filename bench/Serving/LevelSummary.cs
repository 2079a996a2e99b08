using System.Globalization;

namespace CodeGen.Bench.Serving;

/// <summary>The figures of one load level: counts, errors by kind, aggregate throughput and latency percentiles (milliseconds).</summary>
internal sealed record LevelSummary(
    int Requests,
    int Succeeded,
    int Disconnected,
    IReadOnlyDictionary<string, int> Errors,
    long Tokens,
    double WallSeconds,
    Quantiles TimeToFirstTokenMs,
    Quantiles InterTokenLatencyMs)
{
    /// <summary>Generated tokens per second of wall time, over all requests of the level together.</summary>
    public double TokensPerSecond => WallSeconds > 0 ? Tokens / WallSeconds : double.NaN;

    /// <summary>Errors as "HTTP 503×2, timeout×1", or "0".</summary>
    public string ErrorText => Errors.Count == 0
        ? "0"
        : string.Join(", ", Errors.OrderByDescending(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}×{e.Value}"));

    /// <summary>Summarises the results of a level that took <paramref name="wallSeconds"/>.</summary>
    public static LevelSummary From(IReadOnlyCollection<StreamResult> results, double wallSeconds)
    {
        var errors = results.Where(r => r.Error is not null).GroupBy(r => r.Error!).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        double[] ttft = results.Where(r => r.TimeToFirstToken is not null).Select(r => r.TimeToFirstToken!.Value * 1000).ToArray();
        double[] itl = results.SelectMany(r => r.InterTokenLatencies).Select(s => s * 1000).ToArray();
        return new LevelSummary(
            results.Count,
            results.Count(r => r.Error is null && !r.Disconnected),
            results.Count(r => r.Disconnected),
            errors,
            results.Sum(r => (long)r.Tokens),
            wallSeconds,
            Percentiles.Summarize(ttft),
            Percentiles.Summarize(itl));
    }

    /// <summary>A number for a table cell: "-" for NaN.</summary>
    public static string Format(double value, string format = "F1") =>
        double.IsNaN(value) ? "-" : value.ToString(format, CultureInfo.InvariantCulture);
}
