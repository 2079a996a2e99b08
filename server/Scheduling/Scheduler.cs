using CodeGen.Model.Sampling;
using CodeGen.Server.Backends;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Scheduling;

/// <summary>
/// Continuous batching at the level of decode steps (vLLM's contract): <see cref="Schedule"/> decides, before every
/// forward pass, which sequences run and how many tokens each (one decode token, or a prefill chunk within the
/// step's token budget); waiting requests are admitted when a batch place and KV blocks for their prompt are free;
/// a running sequence that cannot grow preempts the latest admitted one (its KV is released and it is requeued
/// first, to be recomputed, mostly from the prefix cache). <see cref="Update"/> advances the sequences by a step's
/// output, streams their text and finishes them. Stop, length and EOS rules live here and nowhere else.
/// Only the engine loop thread calls it.
/// </summary>
internal sealed class Scheduler(IModelBackend backend, EngineOptions options, EngineMetrics metrics)
{
    /// <summary>Most drafts a sequence proposes in one step (its length adapts between 1 and this to the acceptance).</summary>
    public const int MaxDraftLength = 8;

    private readonly LinkedList<SequenceState> _waiting = new();
    private readonly List<SequenceState> _running = [];

    public int Waiting => _waiting.Count;

    public int Running => _running.Count;

    public bool IsIdle => _waiting.Count == 0 && _running.Count == 0;

    /// <summary>The running sequences (the speculative proposers read them between steps).</summary>
    public IReadOnlyList<SequenceState> RunningSequences => _running;

    public void Enqueue(SequenceState sequence)
    {
        _waiting.AddLast(sequence);
        if (sequence.Job.MaxTokens <= 0) Finish(sequence, "length"); // nothing to generate: no forward pass
    }

    /// <summary>Drops cancelled or expired requests, plans the running sequences' next tokens, admits waiting ones.</summary>
    public ScheduledBatch Schedule()
    {
        foreach (SequenceState s in _running.ToList())
        {
            if (s.AbortReason is string reason) Finish(s, reason);
        }
        foreach (SequenceState s in _waiting.ToList())
        {
            if (s.AbortReason is string reason) Finish(s, reason);
        }

        var planned = new List<ScheduledSequence>();
        var inStep = new HashSet<SequenceState>();
        int budget = options.MaxStepTokens;
        // Decodes first (one token each), then running prefills, in arrival order. A snapshot, since planning may
        // preempt (remove) running sequences.
        foreach (bool decoding in new[] { true, false })
        {
            foreach (SequenceState s in _running.ToList())
            {
                if (!s.IsRunning || (s.Pending == 1) != decoding) continue;
                int count = Math.Min(Math.Min(s.Pending, options.PrefillChunk), budget);
                // Drafts ride along only when the budget and free memory have room for them: they never preempt.
                int drafts = decoding ? Math.Min(s.Drafts.Count, budget - 1) : 0;
                if (drafts > 0 && !backend.Reserve(s.Id, s.Computed + 1 + drafts)) drafts = 0;
                s.Drafts.RemoveRange(drafts, s.Drafts.Count - drafts);
                s.DraftDistributions.RemoveRange(drafts, s.DraftDistributions.Count - drafts);
                if (count <= 0 || (drafts == 0 && !ReserveOrPreempt(s, count, inStep))) continue;
                planned.Add(new ScheduledSequence(s, count + drafts, drafts));
                inStep.Add(s);
                budget -= count + drafts;
            }
        }
        Admit(planned, ref budget);
        metrics.Scheduled(_waiting.Count, _running.Count, backend.UsedBlocks);
        return new ScheduledBatch(planned);
    }

    /// <summary>Advances each sequence by what ran; appends sampled tokens, streams text, and finishes sequences.</summary>
    public void Update(ScheduledBatch batch, StepOutput output)
    {
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            (SequenceState s, int count, int drafts) = batch.Sequences[i];
            if (s.IsFinished) continue;
            int before = s.Computed;
            s.Computed += count;
            int prefilled = Math.Min(s.Computed, s.PromptLength) - before;
            if (prefilled > 0) metrics.PrefillTokens(prefilled);
            if (drafts > 0 && output.Sampled.TryGetValue(i, out SampledRun? verified))
            {
                // The KV keeps the pending token and the accepted drafts; the rejected ones are dropped.
                s.Computed = before + count - drafts + verified.AcceptedDrafts;
                if (verified.AcceptedDrafts < drafts) backend.Truncate(s.Id, s.Computed);
                metrics.Speculated(drafts, verified.AcceptedDrafts);
                s.DraftLength = verified.AcceptedDrafts == drafts ? Math.Min(s.DraftLength + 1, MaxDraftLength) : Math.Max(1, verified.AcceptedDrafts + 1);
            }
            s.Drafts.Clear();
            s.DraftDistributions.Clear();
            if (!output.Sampled.TryGetValue(i, out SampledRun? run)) continue;
            foreach (SampledStep step in run.Steps)
            {
                Accept(s, step);
                if (s.IsFinished) break;
            }
        }
    }

    /// <summary>Ends the sequences of a step that failed with an error; the others keep running.</summary>
    public void Fail(ScheduledBatch batch, string message)
    {
        foreach (ScheduledSequence s in batch.Sequences)
        {
            if (!s.State.IsFinished) Finish(s.State, "error", message);
        }
    }

    /// <summary>Ends every running and waiting request (shutdown, or a fault outside any step).</summary>
    public void FailAll(string reason, string? message = null)
    {
        foreach (SequenceState s in _running.ToList()) Finish(s, reason, message);
        foreach (SequenceState s in _waiting.ToList()) Finish(s, reason, message);
    }

    // Room for s to run count more tokens; preempts the latest admitted running sequences that are not already in
    // this step until it fits, or s itself when no other is left.
    private bool ReserveOrPreempt(SequenceState s, int count, HashSet<SequenceState> inStep)
    {
        while (!backend.Reserve(s.Id, s.Computed + count))
        {
            SequenceState victim = _running.LastOrDefault(r => r != s && !inStep.Contains(r)) ?? s;
            Preempt(victim);
            if (victim == s) return false;
        }
        return true;
    }

    private void Admit(List<ScheduledSequence> planned, ref int budget)
    {
        for (LinkedListNode<SequenceState>? node = _waiting.First; node is not null && budget > 0 && _running.Count < options.MaxBatch;)
        {
            SequenceState s = node.Value;
            LinkedListNode<SequenceState>? next = node.Next;
            // A later choice of the same prompt waits for the first to hold the prompt, then shares its blocks.
            if (options.PrefixCache && s.Parent is { IsRunning: true } parent && parent.Computed < s.PromptLength - 1)
            {
                node = next;
                continue;
            }
            if (!TryStart(s, ref budget, out ScheduledSequence? first)) break; // first come, first served
            _waiting.Remove(node);
            _running.Add(s);
            planned.Add(first!);
            node = next;
        }
    }

    private bool TryStart(SequenceState s, ref int budget, out ScheduledSequence? first)
    {
        first = null;
        int held;
        if (options.PrefixCache && s.Parent is { IsRunning: true } parent && parent.Computed >= s.PromptLength - 1 && s.Tokens.Count == s.PromptLength)
        {
            held = s.PromptLength - 1;
            backend.Fork(parent.Id, s.Id, held);
        }
        else
        {
            held = backend.Begin(s.Id, s.Tokens, s.Job.Adapter);
        }
        // Admission: blocks for the whole rest of the prompt must be free now, so admitted prompts do not thrash.
        int rest = s.Tokens.Count - held;
        int count = Math.Min(Math.Min(rest, options.PrefillChunk), budget);
        int needed = (s.Tokens.Count + backend.BlockSize - 1) / backend.BlockSize - held / backend.BlockSize;
        if (needed > backend.FreeBlocks || !backend.Reserve(s.Id, held + count))
        {
            backend.Release(s.Id);
            return false;
        }
        metrics.PrefixCacheHit(held);
        s.Computed = held;
        s.IsRunning = true;
        budget -= count;
        first = new ScheduledSequence(s, count);
        return true;
    }

    private void Preempt(SequenceState s)
    {
        backend.Release(s.Id);
        s.IsRunning = false;
        s.Computed = 0;
        s.Drafts.Clear();
        s.DraftDistributions.Clear();
        _running.Remove(s);
        _waiting.AddFirst(s);
        metrics.Preempted();
    }

    private void Accept(SequenceState s, SampledStep sampled)
    {
        DateTime now = DateTime.UtcNow;
        if (s.Generated == 0) metrics.FirstToken(now - s.Enqueued);
        else if (s.LastTokenAt is DateTime last) metrics.InterToken(now - last);
        s.LastTokenAt = now;
        metrics.TokenGenerated();

        SampledToken token = sampled.Token;
        if (token.IsEnd)
        {
            Finish(s, "stop", stopReason: token.EndReason);
            return;
        }
        if (s.Job.StopTokenIds.Contains(token.TokenId))
        {
            Finish(s, "stop");
            return;
        }
        s.Tokens.Add(token.TokenId);
        s.Generated++;
        string decoded = s.Decoder?.Push(token.TokenId) ?? "";
        // A constrained completion that closed its block ends there: the text after that point is not part of it.
        int? completedAt = s.Constraint?.CompletedAt;
        if (completedAt is int at) decoded = decoded[..Math.Clamp(at - s.TextLength, 0, decoded.Length)];
        s.TextLength += decoded.Length;
        string text = s.Stops.Append(decoded);
        var top = sampled.Top?.Select(p => new KeyValuePair<string, float>(TokenText(p.Key), p.Value)).ToArray();
        s.Output.Writer.TryWrite(new TokenEvent(token.TokenId, text, token.Logprob, top, null));
        if (s.Stops.Stopped) Finish(s, "stop");
        else if (completedAt is not null || s.Constraint?.Closed == true) Finish(s, "stop", stopReason: s.Constraint?.ClosedBecause, flushDecoder: false);
        else if (s.Generated >= s.Job.MaxTokens || s.Tokens.Count >= backend.MaxContext) Finish(s, "length");
    }

    private string TokenText(int id) => backend.Tokenizer?.Decode([id]) ?? "";

    private void Finish(SequenceState s, string reason, string? error = null, string? stopReason = null, bool flushDecoder = true)
    {
        if (s.IsFinished) return;
        if (reason is "stop" or "length")
        {
            // A constrained completion never ends in half a character: the bytes of an unfinished one are dropped.
            string rest = s.Stops.Append(flushDecoder && s.Constraint is null ? s.Decoder?.Flush() ?? "" : "") + s.Stops.Flush();
            s.Output.Writer.TryWrite(new TokenEvent(-1, rest, null, null, reason, StopReason: stopReason));
        }
        else
        {
            s.Output.Writer.TryWrite(new TokenEvent(-1, "", null, null, reason, error));
        }
        s.Output.Writer.TryComplete();
        if (s.IsRunning)
        {
            backend.Release(s.Id);
            s.IsRunning = false;
            _running.Remove(s);
        }
        else
        {
            _waiting.Remove(s);
        }
        s.MarkFinished();
        metrics.Finished(reason);
    }
}
