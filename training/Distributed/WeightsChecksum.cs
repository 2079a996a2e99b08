using static TorchSharp.torch;

namespace CodeGen.Training.Distributed;

/// <summary>
/// A 64-bit FNV-1a hash of tensors' float32 bits, in order: equal on every rank exactly when the ranks hold the
/// same weights bit for bit (compare with <see cref="IDataParallel.AllEqual"/>).
/// </summary>
internal static class WeightsChecksum
{
    private const ulong OffsetBasis = 14695981039346656037, Prime = 1099511628211;

    public static ulong Of(IEnumerable<Tensor> tensors)
    {
        ulong hash = OffsetBasis;
        foreach (Tensor tensor in tensors)
        {
            using Tensor host = tensor.detach().to(float32, CPU).contiguous();
            using var values = host.data<float>();
            float[] copy = values.ToArray();
            foreach (float value in copy)
            {
                uint bits = BitConverter.SingleToUInt32Bits(value);
                for (int b = 0; b < 4; b++)
                {
                    hash ^= (bits >> (8 * b)) & 0xff;
                    hash *= Prime;
                }
            }
        }
        return hash;
    }
}
