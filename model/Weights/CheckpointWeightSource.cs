using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>Reads weights from a checkpoint, checking each shape and converting dtype and device.</summary>
public sealed class CheckpointWeightSource(Checkpoint checkpoint, ScalarType dtype, Device device) : IWeightSource
{
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    /// <summary>Names the model asked for.</summary>
    public IReadOnlySet<string> Used => _used;

    /// <inheritdoc />
    /// <exception cref="ModelLoadException">The tensor is missing or has another shape (both named).</exception>
    public Tensor Get(string name, long[] shape, WeightKind kind)
    {
        SafeTensorInfo info = checkpoint.Info(name);
        if (!info.Shape.SequenceEqual(shape))
        {
            throw new ModelLoadException(
                $"Tensor '{name}' in {checkpoint.Directory} has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", shape)}] from config.json");
        }
        _used.Add(name);
        return checkpoint.Load(name, dtype, device);
    }
}
