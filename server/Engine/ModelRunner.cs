using CodeGen.Server.Backends;
using CodeGen.Server.Decoding;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Engine;

/// <summary>Runs a scheduled batch through the backend in one forward pass and chooses tokens for the sequences that are up to date.</summary>
internal sealed class ModelRunner(IModelBackend backend)
{
    public StepOutput Execute(ScheduledBatch batch)
    {
        var inputs = new BackendSequence[batch.Sequences.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            ScheduledSequence entry = batch.Sequences[i];
            SequenceState s = entry.State;
            int drafts = entry.Drafts;
            List<int> tokens = s.Tokens.GetRange(s.Computed, entry.Count - drafts);
            if (drafts > 0) tokens.AddRange(s.Drafts);
            int rows = s.Job.ObserveLogits is not null ? entry.Count : entry.Samples ? 1 + drafts : 0;
            inputs[i] = new BackendSequence(s.Id, tokens, rows);
        }
        StepLogits logits = backend.Execute(inputs);
        var sampled = new Dictionary<int, SampledRun>();
        for (int i = 0; i < inputs.Length; i++)
        {
            ScheduledSequence entry = batch.Sequences[i];
            SequenceState s = entry.State;
            int rows = logits.Rows(i);
            if (s.Job.ObserveLogits is { } observe)
            {
                for (int r = 0; r < rows; r++) observe(s.Computed + entry.Count - rows + r, logits.Row(i, r));
            }
            if (entry.Samples) sampled[i] = TokenSelection.Select(s, logits, i);
        }
        return new StepOutput(sampled);
    }
}
