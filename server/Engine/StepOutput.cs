using CodeGen.Model.Sampling;

namespace CodeGen.Server.Engine;

/// <summary>What a step produced for the sequences that sampled, by their index in the batch.</summary>
internal sealed record StepOutput(IReadOnlyDictionary<int, SampledRun> Sampled);

/// <summary>
/// The tokens one sequence keeps from a step, in order: one for plain decoding; with drafts, the accepted drafts
/// and then the target's own token (the correction at the first rejection, or the bonus after all of them).
/// </summary>
/// <param name="Steps">The kept tokens (the last may be an end: the constraint allowed nothing).</param>
/// <param name="AcceptedDrafts">How many of the step's drafts were accepted (the KV keeps them; the rest is truncated).</param>
internal sealed record SampledRun(IReadOnlyList<SampledStep> Steps, int AcceptedDrafts);

/// <summary>A sampled token and, when asked for, the top alternatives of the model's distribution.</summary>
internal sealed record SampledStep(SampledToken Token, IReadOnlyList<KeyValuePair<int, float>>? Top);
