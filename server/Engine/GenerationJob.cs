using CodeGen.Model.Sampling;
using CodeGen.Server.Constraints;
using CodeGen.Server.Decoding;

namespace CodeGen.Server.Engine;

/// <summary>One sequence to generate, as the endpoints (or <c>server generate</c>) hand it to the engine.</summary>
/// <param name="RequestId">Id for logs (shared by the n choices of one request).</param>
/// <param name="PromptIds">Prompt token ids (validated: non-empty, in the vocabulary, within the context).</param>
/// <param name="MaxTokens">Tokens to generate at most.</param>
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
    int? Logprobs)
{
    /// <summary>Called with (position, logits) for every position the sequence runs, prompt included (<c>server generate --print-logits</c>); null for none.</summary>
    public LogitsObserver? ObserveLogits { get; init; }

    /// <summary>The syntax constraint and the code before the cursor it starts from (<c>constrain</c>), or null for none.</summary>
    public ConstraintRequest? Constraint { get; init; }

    /// <summary>How drafts are proposed (<c>speculative</c>). Default none.</summary>
    public SpeculativeMode Speculative { get; init; }

    /// <summary>The LoRA adapter slot the sequence runs with (the request's <c>model</c>, see <see cref="ModelHost.AdapterSlot"/>); 0, the default, is the base model.</summary>
    public int Adapter { get; init; }
}

/// <summary>A request's syntax constraint: the language and the code text the completion continues.</summary>
/// <param name="Close">
/// Whether the constraint writes the end of the code itself when the model would stop early, runs out of max_tokens or
/// deadlocks (see <see cref="SyntaxTokenConstraint"/>); off for fill-in-the-middle, whose suffix holds the end.
/// </param>
internal sealed record ConstraintRequest(ISyntaxConstraint Language, string Context, bool Close = true);

/// <summary>Receives a sequence's logits at one position.</summary>
internal delegate void LogitsObserver(int position, ReadOnlySpan<float> logits);
