using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Decoding.Speculative;

/// <summary>
/// Prompt-lookup decoding: the last n tokens (n from <see cref="MaxNgram"/> down to <see cref="MinNgram"/>) are
/// searched for earlier in the prompt and generated text, most recent occurrence first, and the tokens that followed
/// it are proposed. No second model; a point-mass proposal, so verification keeps the target's distribution.
/// </summary>
internal sealed class NgramProposer : IDraftProposer
{
    public const int MaxNgram = 4;
    public const int MinNgram = 1;

    public SpeculativeMode Mode => SpeculativeMode.Ngram;

    public void Propose(IReadOnlyList<SequenceState> sequences, IReadOnlyList<int> limits)
    {
        for (int i = 0; i < sequences.Count; i++)
        {
            SequenceState s = sequences[i];
            foreach (int token in Lookup(s.Tokens, limits[i]))
            {
                // The constraint judges the chain before verification; a stop token ends the proposal.
                if (s.Job.StopTokenIds.Contains(token) || !(s.Constraint?.Allows(token) ?? true)) break;
                s.Constraint?.Accept(token);
                s.Drafts.Add(token);
                s.DraftDistributions.Add(null);
            }
            s.Constraint?.Rollback(s.Sampler.Generated.Count);
        }
    }

    public void Retain(IReadOnlySet<long> running)
    {
    }

    /// <summary>Up to <paramref name="count"/> tokens that followed the latest earlier match of the longest suffix n-gram.</summary>
    public static IReadOnlyList<int> Lookup(List<int> tokens, int count)
    {
        if (count <= 0) return [];
        for (int n = Math.Min(MaxNgram, tokens.Count - 1); n >= MinNgram; n--)
        {
            int suffix = tokens.Count - n;
            for (int start = suffix - 1; start >= 0; start--)
            {
                if (!Matches(tokens, start, suffix, n)) continue;
                int from = start + n;
                int take = Math.Min(count, tokens.Count - from);
                return take > 0 ? tokens.GetRange(from, take) : [];
            }
        }
        return [];
    }

    private static bool Matches(List<int> tokens, int start, int suffix, int n)
    {
        for (int k = 0; k < n; k++)
        {
            if (tokens[start + k] != tokens[suffix + k]) return false;
        }
        return true;
    }
}
