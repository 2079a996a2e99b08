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

    /// <summary>
    /// The token the sequence must emit next whatever the model prefers (a constraint writing the end of the code
    /// itself), or null to draw as usual. The sampler then returns it as a point mass (log-probability 0).
    /// </summary>
    int? Forced => null;

    /// <summary>
    /// Called when no candidate is allowed (a constraint deadlock): a token to emit instead of ending the sequence, or
    /// null to end it. May change the constraint's state (it can start writing the end of the code).
    /// </summary>
    int? Fallback() => null;
}
