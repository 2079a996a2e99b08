namespace CodeGen.Web.Training;

// The training runs found under --training-dir (Directory: its full path; null when not configured).
internal sealed record TrainingRead(TrainingStatus Status, string? Directory, IReadOnlyList<TrainingRun> Runs);
