using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) · up(x)).</summary>
public sealed class Mlp : nn.Module
{
    private readonly long _intermediate;
    private readonly FusedProjection _gateUp;

    /// <summary>Reads gate_proj, up_proj and down_proj under <paramref name="prefix"/>.</summary>
    public Mlp(string prefix, ModelConfig config, IWeightSource source) : base(prefix)
    {
        _intermediate = config.IntermediateSize;
        _gateUp = new FusedProjection(
            [(prefix + ".gate_proj", config.IntermediateSize), (prefix + ".up_proj", config.IntermediateSize)], config.HiddenSize, config.MlpBias, source);
        GateProj = _gateUp.Parts[0];
        UpProj = _gateUp.Parts[1];
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
    public Tensor Forward(Tensor x) => Forward(x, null);

    /// <summary>(B, T, hidden) → (B, T, hidden), with each routed row's adapter updates.</summary>
    internal Tensor Forward(Tensor x, LoraRouting? adapters)
    {
        using var scope = NewDisposeScope();
        Tensor gated;
        if (_gateUp.CanFuse)
        {
            Tensor gateUp = _gateUp.Forward(x, adapters); // (..., 2·intermediate): gate | up
            gated = nn.functional.silu(gateUp.narrow(-1, 0, _intermediate)).mul_(gateUp.narrow(-1, _intermediate, _intermediate));
        }
        else
        {
            gated = nn.functional.silu(GateProj.Forward(x, adapters)).mul(UpProj.Forward(x, adapters));
        }
        return DownProj.Forward(gated, adapters).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing) _gateUp.Dispose();
        base.Dispose(disposing);
    }
}
