using TorchSharp.Modules;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>RMSNorm: x / sqrt(mean(x²) + eps) · g, computed in float32 and returned in the input dtype (as HF does).</summary>
public sealed class RmsNorm : nn.Module
{
    private readonly double _eps;

    /// <summary>Reads the gain "{prefix}.weight" of width <paramref name="hidden"/>.</summary>
    public RmsNorm(string prefix, long hidden, double eps, IWeightSource source) : base(prefix)
    {
        _eps = eps;
        Weight = new Parameter(source.Get(prefix + ".weight", [hidden], WeightKind.Norm), requires_grad: false);
        register_parameter("weight", Weight);
    }

    /// <summary>The gain vector.</summary>
    public Parameter Weight { get; }

    /// <summary>Normalises the last dimension of x.</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        bool isFloat32 = x.dtype == float32;
        Tensor xf = isFloat32 ? x : x.to(float32);
        Tensor variance = xf.square().mean([-1L], keepdim: true);
        Tensor normed = xf.mul(variance.add_(_eps).rsqrt_());
        if (!isFloat32) normed = normed.to(x.dtype);
        return Weight.mul(normed).MoveToOuterDisposeScope();
    }
}
