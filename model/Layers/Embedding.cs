using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>Token embedding table (vocab, hidden).</summary>
public sealed class Embedding : nn.Module
{
    /// <summary>Reads "{prefix}.weight".</summary>
    public Embedding(string prefix, long vocab, long hidden, IWeightSource source) : base(prefix)
    {
        Weight = new Parameter(source.Get(prefix + ".weight", [vocab, hidden], WeightKind.Embedding), requires_grad: false);
        register_parameter("weight", Weight);
    }

    /// <summary>The table.</summary>
    public Parameter Weight { get; }

    /// <summary>ids (B, T) int64 → (B, T, hidden).</summary>
    public Tensor Forward(Tensor ids)
    {
        using Tensor flat = ids.reshape(-1);
        using Tensor rows = Weight.index_select(0, flat);
        return rows.view(ids.shape[0], ids.shape[1], Weight.shape[1]);
    }
}
