namespace CodeGen.Web.Training;

// One line of a training metrics JSONL file: {"step","loss","lr","tokens_per_s","tokens","elapsed_s","val_loss"?}.
// ValLoss: present on the steps where the trainer evaluated the validation set.
internal sealed record MetricsPoint(long Step, double Loss, double LearningRate, double TokensPerSecond, long Tokens, double ElapsedSeconds, double? ValLoss);
