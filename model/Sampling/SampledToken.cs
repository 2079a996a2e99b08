namespace CodeGen.Model.Sampling;

/// <summary>A drawn token with the model's log-probability of it (before any processing) and the distribution it was drawn from.</summary>
/// <param name="TokenId">The token.</param>
/// <param name="Logprob">log softmax of the raw logits at the token.</param>
/// <param name="Distribution">What the draw used (after penalties, bias, constraint, temperature, top-k and top-p).</param>
public sealed record SampledToken(int TokenId, float Logprob, TokenDistribution Distribution);
