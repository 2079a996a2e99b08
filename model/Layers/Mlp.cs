using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class Mlp : nn.Module
{
    /// <summary>Reads gate_proj, up_proj and down_proj under <paramref name="prefix"/>.</summary>
    public Mlp(string prefix, ModelConfig config, IWeightSource source) : base(prefix)
    {
        GateProj = new Linear(prefix + ".gate_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias, source);
        UpProj = new Linear(prefix + ".up_proj", config.HiddenSize, config.IntermediateSize, config.MlpBias, source);
        DownProj = new Linear(prefix + ".down_proj", config.IntermediateSize, config.HiddenSize, config.MlpBias, source);
        register_module("gate_proj", GateProj);
        register_module("up_proj", UpProj);
        register_module("down_proj", DownProj);
    }

    /// <summary>Gate projection (hidden → intermediate).</summary>
    public Linear GateProj { get; }

    /// <summary>Up projection (hidden → intermediate).</summary>
    public Linear UpProj { get; }

    /// <summary>Down projection (intermediate → hidden).</summary>
    public Linear DownProj { get; }

    /// <summary>(B, T, hidden) → (B, T, hidden).</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor gated = nn.functional.silu(GateProj.Forward(x)).mul(UpProj.Forward(x));
        return DownProj.Forward(gated).MoveToOuterDisposeScope();
    }
}
