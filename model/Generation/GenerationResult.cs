namespace CodeGen.Model.Generation;

/// <summary>What one sequence produced.</summary>
/// <param name="Tokens">Generated token ids (continuation only; a stop token is not included).</param>
/// <param name="FinishReason">"stop" (a stop token) or "length" (max tokens or the cache capacity).</param>
public sealed record GenerationResult(IReadOnlyList<int> Tokens, string FinishReason);
