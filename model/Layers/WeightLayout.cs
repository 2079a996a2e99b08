using TorchSharp;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Memory layout of weight matrices. A matrix used as y = x Wᵀ keeps its logical shape (out, in), so names,
/// shapes, checkpoints and LoRA see the Hugging Face convention; what changes is the storage order. For a
/// single token on the CPU, libtorch streams a float32 (out, in) row-major matrix whose rows are short
/// (in = hidden) at only 55-65 % of the machine's read bandwidth, but the same matrix stored column-major —
/// contiguous (in, out), so the product is x @ Wᵀ over long contiguous rows — at 90-100 %
/// (docs/BENCHMARKS.md). Matrices whose input is wider than their output (down_proj) already stream well and
/// stay row-major. bfloat16 and float16 stay row-major: oneDNN's reduced-precision kernels are 18-20x
/// slower on a column-major operand; and other devices keep the checkpoint's layout.
/// </summary>
public static class WeightLayout
{
    /// <summary>Whether an (out, in) matrix of <paramref name="dtype"/> on <paramref name="device"/> is stored column-major.</summary>
    public static bool PrefersColumnMajor(long outFeatures, long inFeatures, ScalarType dtype, Device device) =>
        inFeatures <= outFeatures && dtype == ScalarType.Float32 && device.type == DeviceType.CPU;

    /// <summary>
    /// Returns a tensor with the same shape and values as the 2-D <paramref name="matrix"/> whose storage is
    /// column-major (strides (1, rows)); takes ownership of <paramref name="matrix"/>.
    /// </summary>
    public static Tensor ToColumnMajor(Tensor matrix)
    {
        if (matrix.dim() != 2) throw new ArgumentException($"Expected a matrix, got [{string.Join(", ", matrix.shape)}]");
        using (matrix)
        {
            using Tensor transposed = matrix.t().contiguous(); // (in, out) contiguous
            return transposed.t(); // (out, in) view, strides (1, out)
        }
    }

    /// <summary>Whether <paramref name="matrix"/> is stored column-major (alone, or as columns of a wider storage).</summary>
    public static bool IsColumnMajor(Tensor matrix) =>
        matrix.dim() == 2 && matrix.stride(0) == 1 && matrix.stride(1) >= matrix.shape[0];
}
