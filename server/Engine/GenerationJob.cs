using CodeGen.Model.Sampling;

namespace CodeGen.Server.Engine;

/// <summary>One sequence to generate, as the endpoints hand it to the engine.</summary>
/// <param name="RequestId">Id for logs (shared by the n choices of one request).</param>
/// <param name="PromptIds">Prompt token ids (validated: non-empty, in the vocabulary, within the context).</param>
/// <param name="MaxTokens">Tokens to generate at most (already clamped to the context).</param>
/// <param name="Sampling">Sampling options with the choice's seed.</param>
/// <param name="StopSequences">Strings that end generation (not included in the text).</param>
/// <param name="StopTokenIds">Token ids that end generation (EOS).</param>
/// <param name="Logprobs">Number of top alternatives to report per token, or null for none.</param>
internal sealed record GenerationJob(
    string RequestId,
    IReadOnlyList<int> PromptIds,
    int MaxTokens,
    SamplingOptions Sampling,
    IReadOnlyList<string> StopSequences,
    IReadOnlyList<int> StopTokenIds,
    int? Logprobs);
