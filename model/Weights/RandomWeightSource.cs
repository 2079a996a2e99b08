using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>
/// Seeded random weights, for tests, benchmarks and pretraining from scratch: matrices and embeddings
/// N(0, std), biases N(0, std) so bias paths are exercised, norm gains 1.
/// </summary>
public sealed class RandomWeightSource(long seed, ScalarType dtype, Device device, double std = 0.02) : IWeightSource
{
    private readonly Generator _generator = new Generator((ulong)seed);

    /// <inheritdoc />
    public Tensor Get(string name, long[] shape, WeightKind kind)
    {
        using Tensor value = kind == WeightKind.Norm
            ? ones(shape, float32)
            : normal(0.0, std, shape, float32, generator: _generator);
        return value.to(dtype, device);
    }
}
