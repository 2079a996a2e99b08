using System.Text.Json;

namespace CodeGen.Training.Checkpoints;

/// <summary>state.json of a checkpoint: where the run is and what it was trained on.</summary>
internal sealed record TrainingState(
    int Step,
    long TokensSeen,
    double ElapsedSeconds,
    string ManifestSha256,
    Pretraining.PretrainOptions Options)
{
    public static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
}
