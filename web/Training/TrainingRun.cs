namespace CodeGen.Web.Training;

// One training run's metrics as read from its metrics.jsonl.
// Name: the run's folder (or the training directory's own name for DIR/metrics.jsonl).
// Path: the file read. Points: its valid lines in file order.
// SkippedLines: lines that were not a metrics record (a line being written, a hand edit).
internal sealed record TrainingRun(string Name, string Path, IReadOnlyList<MetricsPoint> Points, int SkippedLines, DateTimeOffset LastWrite)
{
    public MetricsPoint? Last => Points.Count == 0 ? null : Points[^1];

    public double? BestValLoss => Points.Where(p => p.ValLoss is not null).Select(p => p.ValLoss).Min();

    // Throughput over the run: tokens seen per second of training time.
    public double? MeanTokensPerSecond => Last is { ElapsedSeconds: > 0 } last ? last.Tokens / last.ElapsedSeconds : null;
}
