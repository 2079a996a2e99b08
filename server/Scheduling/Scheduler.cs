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
    private readonly LinkedList<SequenceState> _waiting = new();
    private readonly List<SequenceState> _running = [];

    public int Waiting => _waiting.Count;

    public int Running => _running.Count;

    public bool IsIdle => _waiting.Count == 0 && _running.Count == 0;

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
                if (count <= 0 || !ReserveOrPreempt(s, count, inStep)) continue;
                planned.Add(new ScheduledSequence(s, count));
                inStep.Add(s);
                budget -= count;
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
            (SequenceState s, int count) = batch.Sequences[i];
            if (s.IsFinished) continue;
            int before = s.Computed;
            s.Computed += count;
            int prefilled = Math.Min(s.Computed, s.PromptLength) - before;
            if (prefilled > 0) metrics.PrefillTokens(prefilled);
            if (output.Sampled.TryGetValue(i, out SampledStep? sampled)) Accept(s, sampled);
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
            held = backend.Begin(s.Id, s.Tokens);
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
        if (s.Job.StopTokenIds.Contains(token.TokenId))
        {
            Finish(s, "stop");
            return;
        }
        s.Tokens.Add(token.TokenId);
        s.Sampler.Accept(token.TokenId);
        s.Generated++;
        string text = s.Stops.Append(s.Decoder?.Push(token.TokenId) ?? "");
        var top = sampled.Top?.Select(p => new KeyValuePair<string, float>(TokenText(p.Key), p.Value)).ToArray();
        s.Output.Writer.TryWrite(new TokenEvent(token.TokenId, text, token.Logprob, top, null));
        if (s.Stops.Stopped) Finish(s, "stop");
        else if (s.Generated >= s.Job.MaxTokens || s.Tokens.Count >= backend.MaxContext) Finish(s, "length");
    }

    private string TokenText(int id) => backend.Tokenizer?.Decode([id]) ?? "";

    private void Finish(SequenceState s, string reason, string? error = null)
    {
        if (s.IsFinished) return;
        if (reason is "stop" or "length")
        {
            string rest = s.Stops.Append(s.Decoder?.Flush() ?? "") + s.Stops.Flush();
            s.Output.Writer.TryWrite(new TokenEvent(-1, rest, null, null, reason));
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
