namespace CodeGen.Training.Lora;

/// <summary>state.json of a LoRA checkpoint: where the run is and what it was trained on.</summary>
internal sealed record LoraState(int Step, long TokensSeen, double ElapsedSeconds, string DataSha256, double? InitialValidationLoss, LoraOptions Options);
