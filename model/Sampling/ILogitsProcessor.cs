namespace CodeGen.Model.Sampling;

/// <summary>
/// A step of the sampler's chain that rewrites a sequence's logits in place before the draw, e.g. a decoding
/// constraint that sets tokens it does not allow to negative infinity. One instance serves one sequence.
/// </summary>
public interface ILogitsProcessor
{
    /// <summary>Rewrites <paramref name="logits"/> (vocab) given the tokens generated so far.</summary>
    void Process(Span<float> logits, IReadOnlyList<int> generated);
}
