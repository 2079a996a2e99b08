namespace CodeGen.Eval.Generation;

// Sampling settings of a server run (from the command line).
internal sealed record GenerationSettings(double Temperature, int MaxTokens, string? Model, string? Constrain, string? Speculative);
