using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Decoding.Speculative;

/// <summary>
/// Between steps, asks each proposer for the drafts of the decoding sequences whose request chose it; each
/// sequence's draft length adapts to its acceptance (<see cref="SequenceState.DraftLength"/>) and never runs past
/// its context or its max_tokens. Sequences that speculate and sequences that do not share one batch.
/// </summary>
internal sealed class SpeculativeDecoding(IReadOnlyList<IDraftProposer> proposers, int maxContext) : IDisposable
{
    public void Propose(IReadOnlyList<SequenceState> running)
    {
        var ids = new HashSet<long>(running.Select(s => s.Id));
        foreach (IDraftProposer proposer in proposers)
        {
            proposer.Retain(ids);
            var chosen = new List<SequenceState>();
            var limits = new List<int>();
            foreach (SequenceState s in running)
            {
                if (s.Job.Speculative != proposer.Mode || !s.IsRunning || s.IsFinished || s.Pending != 1 || s.Drafts.Count > 0) continue;
                int limit = Math.Min(s.DraftLength, Math.Min(maxContext - s.Tokens.Count - 1, s.Job.MaxTokens - s.Generated - 1));
                if (limit <= 0) continue;
                chosen.Add(s);
                limits.Add(limit);
            }
            if (chosen.Count > 0) proposer.Propose(chosen, limits);
        }
    }

    public void Dispose()
    {
        foreach (IDisposable d in proposers.OfType<IDisposable>()) d.Dispose();
    }
}
