using CodeGen.Model.Tokenization;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Scheduling;

/// <summary>
/// Continuous batching at the level of decode steps (vLLM's contract): <see cref="Schedule"/> decides, before every
/// forward pass, which sequences run and how many tokens each (one decode token, or a prefill chunk within the
/// step's token budget); new requests join between steps when a slot is free, finished ones leave.
/// <see cref="Update"/> advances the sequences by a step's output, streams their text and finishes them.
/// Only the engine loop thread calls it.
/// </summary>
internal sealed class Scheduler(SlotAllocator slots, EngineOptions options, int contextLength, BpeTokenizer? tokenizer, EngineMetrics metrics)
{
    private readonly Queue<SequenceState> _waiting = new();
    private readonly List<SequenceState> _running = [];

    public int Waiting => _waiting.Count;

    public int Running => _running.Count;

    public bool IsIdle => _waiting.Count == 0 && _running.Count == 0;

    public void Enqueue(SequenceState sequence) => _waiting.Enqueue(sequence);

    /// <summary>Drops cancelled or expired requests, admits waiting ones into free slots, and plans the next forward pass.</summary>
    public ScheduledBatch Schedule()
    {
        foreach (SequenceState s in _running.ToList())
        {
            if (s.AbortReason is string reason) Finish(s, reason);
        }
        int waitingCount = _waiting.Count;
        for (int i = 0; i < waitingCount; i++)
        {
            SequenceState s = _waiting.Dequeue();
            if (s.AbortReason is string reason) Finish(s, reason);
            else _waiting.Enqueue(s);
        }
        while (_waiting.Count > 0 && slots.FreeSlots > 0)
        {
            SequenceState s = _waiting.Dequeue();
            (s.Slot, s.Computed) = slots.Acquire(s.Tokens);
            metrics.PromptTokensReused(s.Computed);
            _running.Add(s);
        }

        var planned = new List<ScheduledSequence>();
        int budget = options.MaxStepTokens;
        foreach (SequenceState s in _running.Where(s => s.Pending == 1))
        {
            planned.Add(new ScheduledSequence(s, 1));
            budget--;
        }
        foreach (SequenceState s in _running.Where(s => s.Pending > 1))
        {
            if (budget <= 0) break;
            int chunk = Math.Min(Math.Min(s.Pending, options.PrefillChunk), budget);
            planned.Add(new ScheduledSequence(s, chunk));
            budget -= chunk;
        }
        metrics.Scheduled(_waiting.Count, _running.Count, slots.TotalSlots - slots.FreeSlots, slots.TotalSlots);
        return new ScheduledBatch(planned);
    }

    /// <summary>Advances each sequence by what ran; appends sampled tokens, streams text, and finishes sequences.</summary>
    public void Update(ScheduledBatch batch, StepOutput output)
    {
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            (SequenceState s, int count) = batch.Sequences[i];
            s.Computed += count;
            if (!output.Sampled.TryGetValue(i, out SampledToken? sampled)) continue;
            Accept(s, sampled);
        }
    }

    /// <summary>Ends every running and waiting request with an error (a failed forward pass); the engine keeps serving.</summary>
    public void FailAll(string message)
    {
        foreach (SequenceState s in _running.ToList()) Finish(s, "error", message);
        while (_waiting.Count > 0) Finish(_waiting.Dequeue(), "error", message);
    }

    private void Accept(SequenceState s, SampledToken sampled)
    {
        DateTime now = DateTime.UtcNow;
        if (s.Generated == 0) metrics.FirstToken(now - s.Enqueued);
        else if (s.LastTokenAt is DateTime last) metrics.InterToken(now - last);
        s.LastTokenAt = now;
        metrics.TokenGenerated();

        if (s.Job.StopTokenIds.Contains(sampled.TokenId))
        {
            Finish(s, "stop");
            return;
        }
        s.Tokens.Add(sampled.TokenId);
        s.Generated++;
        string text = s.Stops.Append(s.Decoder?.Push(sampled.TokenId) ?? "");
        var top = sampled.Top?.Select(p => new KeyValuePair<string, float>(TokenText(p.Key), p.Value)).ToArray();
        s.Output.Writer.TryWrite(new TokenEvent(sampled.TokenId, text, sampled.Logprob, top, null));
        if (s.Stops.Stopped) Finish(s, "stop");
        else if (s.Generated >= s.Job.MaxTokens || s.Tokens.Count >= contextLength) Finish(s, "length");
    }

    private string TokenText(int id) => tokenizer?.Decode([id]) ?? "";

    private void Finish(SequenceState s, string reason, string? error = null)
    {
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
        if (s.Slot >= 0)
        {
            _running.Remove(s);
            slots.Release(s.Slot, s.Tokens.Take(s.Computed).ToList());
            s.Slot = -1;
        }
        metrics.Finished(reason);
    }
}
