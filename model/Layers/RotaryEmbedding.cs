using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Rotary position embedding in the rotate-half convention (HF Llama/Qwen2): for head vectors x,
/// x·cos + rotate_half(x)·sin with frequencies θ^(-2i/D). Linear scaling divides positions by the factor.
/// Dynamic NTK scaling grows θ past the original context; here the θ of a token at position p is the one HF
/// computes for a sequence of p + 1 tokens, so a token's rotation depends on its own position alone: never on
/// what it is batched with, how its prompt was chunked, or later tokens (keys in the cache never go stale).
/// The tables cover every position of the model's context and are built once.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos; // (P, D) float32
    private readonly Tensor _sin; // (P, D) float32

    /// <summary>Creates the tables for the model's context on <paramref name="device"/>.</summary>
    public RotaryEmbedding(ModelConfig config, Device device)
    {
        Positions = config.MaxPositionEmbeddings;
        using var scope = NewDisposeScope();
        int d = config.HeadDim;
        // Same float32 arithmetic as HF: inv_freq = 1 / θ^(arange(0, D, 2) / D); freqs = t ⊗ inv_freq.
        Tensor exponents = arange(0, d, 2, int64).to(float32).div(d).unsqueeze(0); // (1, D/2)
        Tensor bases = full([Positions, 1], (float)config.RopeTheta, float32); // (P, 1)
        RopeScaling? scaling = config.RopeScaling;
        if (scaling is { Type: "dynamic" })
        {
            int original = scaling.OriginalMaxPositionEmbeddings ?? config.MaxPositionEmbeddings;
            double f = scaling.Factor;
            float[] perPosition = new float[Positions];
            for (int p = 0; p < Positions; p++)
            {
                long length = p + 1L;
                perPosition[p] = (float)(length > original
                    ? config.RopeTheta * Math.Pow(f * length / original - (f - 1), d / (d - 2.0))
                    : config.RopeTheta);
            }
            bases = tensor(perPosition, [Positions, 1]);
        }
        Tensor invFreq = pow(bases, exponents).reciprocal(); // (P, D/2)
        Tensor t = arange(Positions, int64).to(float32).unsqueeze(1); // (P, 1)
        if (scaling is { Type: "linear" }) t = t.div(scaling.Factor);
        Tensor freqs = t.mul(invFreq); // (P, D/2)
        Tensor emb = cat([freqs, freqs], -1); // (P, D)
        _cos = emb.cos().to(device).MoveToOuterDisposeScope();
        _sin = emb.sin().to(device).MoveToOuterDisposeScope();
    }

    /// <summary>Positions the tables cover (the model's context).</summary>
    public int Positions { get; }

    /// <summary>cos and sin for <paramref name="positions"/> (N) int64 as (N, D) in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) ForPositions(Tensor positions, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor cos = _cos.index_select(0, positions).to(dtype); // (N, D)
        Tensor sin = _sin.index_select(0, positions).to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>cos and sin for positions 0..<paramref name="length"/>-1 as (T, D) in <paramref name="dtype"/>.</summary>
    public (Tensor Cos, Tensor Sin) ForPrefix(long length, ScalarType dtype)
    {
        if (length > Positions) throw new ArgumentException($"{length} positions exceed the model's context of {Positions}");
        using var scope = NewDisposeScope();
        Tensor cos = _cos.narrow(0, 0, length).to(dtype);
        Tensor sin = _sin.narrow(0, 0, length).to(dtype);
        return (cos.MoveToOuterDisposeScope(), sin.MoveToOuterDisposeScope());
    }

    /// <summary>Rotates x (..., T, D) by cos/sin (T, D).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = NewDisposeScope();
        long half = x.shape[^1] / 2;
        Tensor x1 = x.narrow(-1, 0, half);
        Tensor x2 = x.narrow(-1, half, half);
        Tensor rotated = cat([x2.neg(), x1], -1); // rotate_half
        return x.mul(cos).add(rotated.mul(sin)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
