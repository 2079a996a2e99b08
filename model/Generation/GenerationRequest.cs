using CodeGen.Model.Sampling;

namespace CodeGen.Model.Generation;

/// <summary>One sequence to generate.</summary>
/// <param name="PromptIds">The prompt's token ids (at least one).</param>
/// <param name="MaxTokens">Most tokens to generate.</param>
/// <param name="Sampling">How tokens are chosen.</param>
/// <param name="StopTokenIds">Token ids that end generation (not included in the output), e.g. EOS.</param>
public sealed record GenerationRequest(
    IReadOnlyList<int> PromptIds,
    int MaxTokens,
    SamplingOptions Sampling,
    IReadOnlyList<int>? StopTokenIds = null);
