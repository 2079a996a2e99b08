namespace CodeGen.Server.Engine;

/// <summary>What one sequence produced in one step: new text (possibly empty while UTF-8 or a stop sequence is pending) and, at the end, why it finished.</summary>
/// <param name="TokenId">The sampled token, or -1 for a final event without a token.</param>
/// <param name="Text">Text that may be sent to the client now.</param>
/// <param name="Logprob">Log-probability of the token, when asked for.</param>
/// <param name="TopLogprobs">The most likely alternatives (token text, log-probability), when asked for.</param>
/// <param name="FinishReason">"stop", "length", "cancelled", "timeout" or "error" on the last event, else null.</param>
/// <param name="Error">The error message when FinishReason is "error".</param>
/// <param name="StopReason">Why a "stop" came from the engine rather than a stop sequence or EOS (a constraint that allowed nothing), else null.</param>
internal sealed record TokenEvent(
    int TokenId,
    string Text,
    float? Logprob,
    IReadOnlyList<KeyValuePair<string, float>>? TopLogprobs,
    string? FinishReason,
    string? Error = null,
    string? StopReason = null);
