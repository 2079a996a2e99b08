using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>Token embedding table (vocab, hidden).</summary>
public sealed class Embedding : nn.Module
{
    /// <summary>
    /// Reads "{prefix}.weight". With <paramref name="tiedOutput"/> the table is also the output projection, so it
    /// is stored as <see cref="WeightLayout"/> prefers for that product: a decode step streams all of it once per
    /// token, while a lookup reads only a few (then strided) rows.
    /// </summary>
    public Embedding(string prefix, long vocab, long hidden, IWeightSource source, bool tiedOutput = false) : base(prefix)
    {
        Tensor table = source.Get(prefix + ".weight", [vocab, hidden], WeightKind.Embedding);
        if (tiedOutput && WeightLayout.PrefersColumnMajor(vocab, hidden, table.dtype, table.device)) table = WeightLayout.ToColumnMajor(table);
        Weight = new Parameter(table, requires_grad: false);
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
