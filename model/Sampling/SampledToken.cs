namespace CodeGen.Model.Sampling;

/// <summary>A drawn token with its log-probability and the distribution it was drawn from.</summary>
/// <param name="TokenId">The token, or -1 when the constraint allowed none of the candidates (see <paramref name="EndReason"/>).</param>
/// <param name="Logprob">log softmax of the raw logits at the token; with a constraint, over the tokens it did not rule out.</param>
/// <param name="Distribution">What the draw used (after penalties, bias, temperature, top-k, top-p and the constraint's rejections).</param>
/// <param name="EndReason">Why no token could be drawn, when <paramref name="TokenId"/> is -1.</param>
public sealed record SampledToken(int TokenId, float Logprob, TokenDistribution Distribution, string? EndReason = null)
{
    /// <summary>Whether the constraint left nothing to draw: the sequence must end.</summary>
    public bool IsEnd => TokenId < 0;
}
