namespace CodeGen.Bench.Serving;

/// <summary>p50 / p95 / p99 of a latency sample, in the sample's unit; NaN when the sample is empty.</summary>
internal sealed record Quantiles(double P50, double P95, double P99);
