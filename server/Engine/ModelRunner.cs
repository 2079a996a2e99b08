using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.Server.Scheduling;
using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>Runs a scheduled batch through the model in one forward pass and samples for the sequences that are up to date.</summary>
internal sealed class ModelRunner(CausalLM model, KvCache cache)
{
    public StepOutput Execute(ScheduledBatch batch)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var inputs = batch.Sequences
            .Select(s => new SequenceInput(s.State.Slot, s.State.Tokens.GetRange(s.State.Computed, s.Count)))
            .ToList();
        Tensor logits = model.Forward(inputs, cache); // (B, vocab): each sequence's last new position
        var sampled = new Dictionary<int, SampledToken>();
        for (int i = 0; i < batch.Sequences.Count; i++)
        {
            ScheduledSequence entry = batch.Sequences[i];
            if (!entry.Samples) continue;
            Tensor row = logits[i];
            int token = entry.State.Sampler.Sample(row, entry.State.Tokens);
            float? logprob = null;
            KeyValuePair<int, float>[]? top = null;
            if (entry.State.Job.Logprobs is int topN)
            {
                Tensor logSoftmax = row.log_softmax(0);
                logprob = logSoftmax[token].item<float>();
                if (topN > 0)
                {
                    (Tensor values, Tensor indices) = logSoftmax.topk(topN);
                    float[] v = values.data<float>().ToArray();
                    long[] ix = indices.data<long>().ToArray();
                    top = ix.Select((id, k) => new KeyValuePair<int, float>((int)id, v[k])).ToArray();
                }
            }
            sampled[i] = new SampledToken(token, logprob, top);
        }
        return new StepOutput(sampled);
    }
}
