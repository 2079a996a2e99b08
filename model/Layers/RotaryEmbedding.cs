using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Rotary position embedding in the rotate-half convention (HF Llama/Qwen2): for head vectors x,
/// x·cos + rotate_half(x)·sin with frequencies θ^(-2i/D). Supports linear scaling (positions / factor) and
/// dynamic NTK scaling (θ grows once the sequence passes the original context).
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly int _headDim;
    private readonly double _theta;
    private readonly RopeScaling? _scaling;
    private readonly int _originalContext;
    private readonly Device _device;
    private Tensor _cos; // (P, D) float32
    private Tensor _sin; // (P, D) float32
    private double _tableBase;

    /// <summary>Creates the tables for the model's context on <paramref name="device"/>.</summary>
    public RotaryEmbedding(ModelConfig config, Device device)
    {
        _headDim = config.HeadDim;
        _theta = config.RopeTheta;
        _scaling = config.RopeScaling;
        _originalContext = config.RopeScaling?.OriginalMaxPositionEmbeddings ?? config.MaxPositionEmbeddings;
        _device = device;
        (_cos, _sin) = BuildTables(_theta, config.MaxPositionEmbeddings);
        _tableBase = _theta;
    }

    /// <summary>
    /// cos and sin for <paramref name="positions"/> (B, T) as (B, 1, T, D) in <paramref name="dtype"/>.
    /// <paramref name="sequenceLength"/> (largest position + 1) selects the dynamic-NTK base.
    /// </summary>
    public (Tensor Cos, Tensor Sin) ForPositions(Tensor positions, long sequenceLength, ScalarType dtype)
    {
        double wantedBase = _theta;
        if (_scaling is { Type: "dynamic" } && sequenceLength > _originalContext)
        {
            double factor = _scaling.Factor;
            wantedBase = _theta * Math.Pow(factor * sequenceLength / _originalContext - (factor - 1), _headDim / (_headDim - 2.0));
        }
        long needed = Math.Max(sequenceLength, 1);
        if (wantedBase != _tableBase || needed > _cos.shape[0])
        {
            long length = Math.Max(needed, _cos.shape[0]);
            _cos.Dispose();
            _sin.Dispose();
            (_cos, _sin) = BuildTables(wantedBase, length);
            _tableBase = wantedBase;
        }
        using var scope = NewDisposeScope();
        long batch = positions.shape[0], time = positions.shape[1];
        Tensor flat = positions.reshape(-1);
        Tensor cos = _cos.index_select(0, flat).view(batch, 1, time, _headDim).to(dtype); // (B, 1, T, D)
        Tensor sin = _sin.index_select(0, flat).view(batch, 1, time, _headDim).to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates x (B, H, T, D) by the given cos/sin (B, 1, T, D).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        Tensor x1 = x.narrow(-1, 0, half);
        Tensor x2 = x.narrow(-1, half, half);
        Tensor rotated = cat([x2.neg(), x1], -1); // rotate_half
        return x.mul(cos).add(rotated.mul(sin)).MoveToOuterDisposeScope();
    }

    private (Tensor, Tensor) BuildTables(double theta, long length)
    {
        using var scope = NewDisposeScope();
        // Same float32 arithmetic as HF: inv_freq = 1 / θ^(arange(0, D, 2) / D); freqs = t ⊗ inv_freq.
        Tensor exponents = arange(0, _headDim, 2, int64).to(float32).div(_headDim);
        Tensor invFreq = pow(tensor((float)theta), exponents).reciprocal();
        if (_scaling is { Type: "linear" }) invFreq = invFreq.div(_scaling.Factor);
        Tensor t = arange(length, int64).to(float32);
        Tensor freqs = outer(t, invFreq); // (P, D/2)
        Tensor emb = cat([freqs, freqs], -1); // (P, D)
        return (emb.cos().to(_device).MoveToOuterDisposeScope(), emb.sin().to(_device).MoveToOuterDisposeScope());
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
