namespace CodeGen.Model.Sampling;

/// <summary>
/// The sampler's constraint slot: decides whether a sequence may emit a token next, given the tokens it has kept.
/// The sampler asks only about the candidates it would draw (most likely first), never about the whole vocabulary.
/// One instance serves one sequence.
/// </summary>
public interface ITokenConstraint
{
    /// <summary>Whether <paramref name="token"/> may follow the tokens accepted so far.</summary>
    bool Allows(int token);

    /// <summary>Records a token the sequence keeps.</summary>
    void Accept(int token);
}
