using CodeGen.Model.Sampling;

namespace CodeGen.Server.Engine;

/// <summary>What a step produced for the sequences that sampled, by their index in the batch.</summary>
internal sealed record StepOutput(IReadOnlyDictionary<int, SampledStep> Sampled);

/// <summary>A sampled token and, when asked for, the top alternatives of the model's distribution.</summary>
internal sealed record SampledStep(SampledToken Token, IReadOnlyList<KeyValuePair<int, float>>? Top);
