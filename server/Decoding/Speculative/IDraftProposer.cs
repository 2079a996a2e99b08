using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Decoding.Speculative;

/// <summary>Proposes draft tokens for sequences that are decoding; the target verifies them in its next step.</summary>
internal interface IDraftProposer
{
    /// <summary>The request mode this proposer serves.</summary>
    SpeculativeMode Mode { get; }

    /// <summary>Fills <see cref="SequenceState.Drafts"/> of each sequence (at most <paramref name="limits"/> tokens each, in order).</summary>
    void Propose(IReadOnlyList<SequenceState> sequences, IReadOnlyList<int> limits);

    /// <summary>Forgets every sequence not in <paramref name="running"/> (finished or preempted).</summary>
    void Retain(IReadOnlySet<long> running);
}
