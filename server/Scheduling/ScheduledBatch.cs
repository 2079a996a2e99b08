namespace CodeGen.Server.Scheduling;

/// <summary>One forward pass: for each sequence, how many of its pending tokens run now.</summary>
internal sealed record ScheduledBatch(IReadOnlyList<ScheduledSequence> Sequences)
{
    public int TokenCount => Sequences.Sum(s => s.Count);
}

/// <summary>A sequence in the batch and the number of its pending tokens that run (a prefill chunk or one decode token).</summary>
internal sealed record ScheduledSequence(SequenceState State, int Count)
{
    /// <summary>Whether this step brings the sequence up to date, so a token is sampled from its last logits.</summary>
    public bool Samples => Count == State.Pending;
}
