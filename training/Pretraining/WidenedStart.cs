using CodeGen.Model;
using CodeGen.Model.Weights;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CodeGen.Training.Pretraining;

/// <summary>
/// Starts a run from a trained model instead of random weights, optionally with a wider SwiGLU
/// (--init-from). Every tensor of the source is copied; an FFN made wider keeps the source's units
/// and gains new ones whose gate and up rows keep their random initialisation while their
/// down_proj columns are zero, so the wider model computes exactly what the source did (a new
/// unit's output is multiplied by a zero column), yet each new unit gets gradients: its activation
/// silu(gate·x)·(up·x) is not zero, so its down_proj column moves first and gate/up follow. Were
/// gate and up zero as well, all three gradients would be zero and the units would never train.
/// RoPE θ and the context come from the new run's config, not from the source.
/// </summary>
internal static class WidenedStart
{
    public static void Load(CausalLM model, string sourceDirectory)
    {
        ModelConfig source = ModelConfig.Load(sourceDirectory);
        ModelConfig target = model.Config;
        if (source.VocabSize != target.VocabSize || source.HiddenSize != target.HiddenSize || source.NumHiddenLayers != target.NumHiddenLayers
            || source.NumAttentionHeads != target.NumAttentionHeads || source.NumKeyValueHeads != target.NumKeyValueHeads
            || source.TieWordEmbeddings != target.TieWordEmbeddings || source.IntermediateSize > target.IntermediateSize)
        {
            throw new ArgumentException(
                $"--init-from {sourceDirectory} (vocab {source.VocabSize}, hidden {source.HiddenSize}, layers {source.NumHiddenLayers}, heads {source.NumAttentionHeads}/{source.NumKeyValueHeads}, "
                + $"intermediate {source.IntermediateSize}) does not fit the run (vocab {target.VocabSize}, hidden {target.HiddenSize}, layers {target.NumHiddenLayers}, "
                + $"heads {target.NumAttentionHeads}/{target.NumKeyValueHeads}, intermediate {target.IntermediateSize}): only the SwiGLU may grow");
        }

        using Checkpoint checkpoint = Checkpoint.Open(sourceDirectory);
        var weights = new CheckpointWeightSource(checkpoint, float32, CPU);
        using var noGrad = no_grad();
        foreach ((string name, Parameter parameter) in model.named_parameters())
        {
            long[] shape = parameter.shape;
            long[] sourceShape = name.EndsWith(".mlp.gate_proj.weight", StringComparison.Ordinal) || name.EndsWith(".mlp.up_proj.weight", StringComparison.Ordinal)
                ? [source.IntermediateSize, shape[1]]
                : name.EndsWith(".mlp.down_proj.weight", StringComparison.Ordinal) ? [shape[0], source.IntermediateSize]
                : shape;
            using Tensor saved = weights.Get(name, sourceShape, WeightKind.Matrix);
            if (name.EndsWith(".mlp.down_proj.weight", StringComparison.Ordinal))
            {
                parameter.zero_();
                parameter.narrow(1, 0, source.IntermediateSize).copy_(saved); // (hidden, intermediate): new columns stay 0
            }
            else
            {
                parameter.narrow(0, 0, sourceShape[0]).copy_(saved); // gate/up (intermediate, hidden): new rows keep their random init
            }
        }
    }
}
