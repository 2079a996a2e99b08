using CodeGen.Model.Sampling;
using CodeGen.Server.Backends;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Engine;

/// <summary>Runs a scheduled batch through the backend in one forward pass and samples for the sequences that are up to date.</summary>
internal sealed class ModelRunner(IModelBackend backend)
{
    public StepOutput Execute(ScheduledBatch batch)
    {
        var inputs = new BackendSequence[batch.Sequences.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            ScheduledSequence entry = batch.Sequences[i];
            SequenceState s = entry.State;
            int rows = s.Job.ObserveLogits is not null ? entry.Count : entry.Samples ? 1 : 0;
            inputs[i] = new BackendSequence(s.Id, s.Tokens.GetRange(s.Computed, entry.Count), rows);
        }
        StepLogits logits = backend.Execute(inputs);
        var sampled = new Dictionary<int, SampledStep>();
        for (int i = 0; i < inputs.Length; i++)
        {
            ScheduledSequence entry = batch.Sequences[i];
            SequenceState s = entry.State;
            int rows = logits.Rows(i);
            if (s.Job.ObserveLogits is { } observe)
            {
                for (int r = 0; r < rows; r++) observe(s.Computed + entry.Count - rows + r, logits.Row(i, r));
            }
            if (!entry.Samples) continue;
            ReadOnlySpan<float> last = logits.Row(i, rows - 1);
            SampledToken token = s.Sampler.Sample(last);
            KeyValuePair<int, float>[]? top = s.Job.Logprobs is int n && n > 0 ? Sampler.TopLogprobs(last, n) : null;
            sampled[i] = new SampledStep(token, top);
        }
        return new StepOutput(sampled);
    }
}
