namespace CodeGen.Server.Engine;

/// <summary>The sampled token (and log-probabilities) of each sequence of a batch that sampled, by batch index.</summary>
internal sealed record StepOutput(IReadOnlyDictionary<int, SampledToken> Sampled);

/// <summary>A sampled token with its log-probability and the top alternatives, when asked for.</summary>
internal sealed record SampledToken(int TokenId, float? Logprob, IReadOnlyList<KeyValuePair<int, float>>? Top);
