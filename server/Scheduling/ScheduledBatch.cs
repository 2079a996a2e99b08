namespace CodeGen.Server.Scheduling;

/// <summary>One forward pass: for each sequence, how many tokens run now.</summary>
internal sealed record ScheduledBatch(IReadOnlyList<ScheduledSequence> Sequences)
{
    public int TokenCount => Sequences.Sum(s => s.Count);
}

/// <summary>
/// A sequence in the batch and the number of tokens that run: a prefill chunk, or its pending token followed by
/// <paramref name="Drafts"/> proposed tokens to verify (speculative decoding).
/// </summary>
internal sealed record ScheduledSequence(SequenceState State, int Count, int Drafts = 0)
{
    /// <summary>Whether this step brings the sequence up to date, so tokens are chosen from its last logits.</summary>
    public bool Samples => Count - Drafts == State.Pending;
}
