using CodeGen.Model.Sampling;
using CodeGen.Server.Backends;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Decoding.Speculative;

/// <summary>
/// Draft-model speculation: a smaller model with the same tokenizer, on a backend and KV memory of its own, proposes
/// the next tokens of every speculating sequence, one batched draft step per token. Each sequence's draft KV follows
/// the target's tokens: before drafting it is truncated to the prefix both share (rejected drafts drop out) and the
/// tokens the target kept since are fed. Drafts are drawn from the draft model's distribution with the request's
/// sampling options (greedy for greedy requests); that distribution goes with each draft for the verification.
/// </summary>
internal sealed class DraftModelProposer(IModelBackend draft) : IDraftProposer, IDisposable
{
    private readonly Dictionary<long, DraftSequence> _sequences = [];

    public SpeculativeMode Mode => SpeculativeMode.Draft;

    public void Propose(IReadOnlyList<SequenceState> sequences, IReadOnlyList<int> limits)
    {
        // Bring each draft sequence up to the target's tokens; its first step feeds what the target kept since.
        var active = new List<(SequenceState State, DraftSequence Draft, int Limit, List<int> Feed)>();
        for (int i = 0; i < sequences.Count; i++)
        {
            SequenceState s = sequences[i];
            if (limits[i] <= 0) continue;
            DraftSequence d = Sync(s);
            if (d.Fed.Count >= s.Tokens.Count) continue; // nothing to feed: cannot happen while a token is pending
            active.Add((s, d, limits[i], s.Tokens.GetRange(d.Fed.Count, s.Tokens.Count - d.Fed.Count)));
        }
        while (active.Count > 0)
        {
            var inputs = new List<BackendSequence>(active.Count);
            var stepping = new List<(SequenceState State, DraftSequence Draft, int Limit, List<int> Feed)>(active.Count);
            foreach (var a in active)
            {
                if (!draft.Reserve(a.State.Id, a.Draft.Fed.Count + a.Feed.Count)) continue; // draft memory full: no more drafts
                inputs.Add(new BackendSequence(a.State.Id, a.Feed, 1));
                stepping.Add(a);
            }
            if (inputs.Count == 0) break;
            StepLogits logits = draft.Execute(inputs);
            active.Clear();
            for (int i = 0; i < stepping.Count; i++)
            {
                (SequenceState s, DraftSequence d, int limit, List<int> feed) = stepping[i];
                d.Fed.AddRange(feed);
                ReadOnlySpan<float> row = logits.Row(i, 0);
                SampledToken token = d.Sampler.Sample(row);
                int x = token.TokenId;
                if (s.Job.StopTokenIds.Contains(x) || !(s.Constraint?.Allows(x) ?? true)) continue; // not worth verifying
                d.Sampler.Accept(x);
                s.Constraint?.Accept(x);
                s.Drafts.Add(x);
                s.DraftDistributions.Add(s.Sampler.IsGreedy ? null : token.Distribution);
                if (s.Drafts.Count < limit) active.Add((s, d, limit, [x]));
            }
        }
        // The constraint judged the drafts as a chain; the target's verification accepts what it keeps.
        foreach (SequenceState s in sequences) s.Constraint?.Rollback(s.Sampler.Generated.Count);
    }

    public void Retain(IReadOnlySet<long> running)
    {
        foreach (long id in _sequences.Keys.Where(id => !running.Contains(id)).ToList())
        {
            draft.Release(id);
            _sequences.Remove(id);
        }
    }

    // The draft sequence of s, truncated to the longest prefix it shares with s's tokens; its sampler follows s's.
    private DraftSequence Sync(SequenceState s)
    {
        if (!_sequences.TryGetValue(s.Id, out DraftSequence? d))
        {
            int held = draft.Begin(s.Id, s.Tokens);
            d = new DraftSequence(new Sampler(DraftOptions(s.Job.Sampling), s.Job.PromptIds));
            d.Fed.AddRange(s.Tokens.Take(held));
            _sequences[s.Id] = d;
        }
        int common = 0;
        while (common < d.Fed.Count && common < s.Tokens.Count && d.Fed[common] == s.Tokens[common]) common++;
        if (common < d.Fed.Count)
        {
            draft.Truncate(s.Id, common);
            d.Fed.RemoveRange(common, d.Fed.Count - common);
        }
        // The draft sampler's penalties follow the tokens the target kept.
        int keptGenerated = Math.Max(0, Math.Min(common, s.Tokens.Count) - s.PromptLength);
        int shared = 0;
        IReadOnlyList<int> generated = d.Sampler.Generated;
        while (shared < generated.Count && shared < keptGenerated && generated[shared] == s.Tokens[s.PromptLength + shared]) shared++;
        d.Sampler.Rollback(shared);
        for (int i = s.PromptLength + shared; i < s.Tokens.Count; i++) d.Sampler.Accept(s.Tokens[i]);
        return d;
    }

    // The draft draws with the request's options (its own generator: the target's draws are not consumed).
    private static SamplingOptions DraftOptions(SamplingOptions target) =>
        target with { Seed = target.Seed is int seed ? unchecked(seed * 31 + 17) : null };

    public void Dispose() => draft.Dispose();

    private sealed class DraftSequence(Sampler sampler)
    {
        public Sampler Sampler { get; } = sampler;

        /// <summary>The tokens the draft KV holds (or will hold after the step in flight).</summary>
        public List<int> Fed { get; } = [];
    }
}
