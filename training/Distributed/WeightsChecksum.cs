using System.IO.Hashing;
using static TorchSharp.torch;

namespace CodeGen.Training.Distributed;

/// <summary>
/// XxHash3 (64-bit) of tensors' float32 bytes, in order: equal on every rank when the ranks hold the same weights
/// bit for bit and, but for a 2^-64 chance, only then (compare with <see cref="IDataParallel.AllEqual"/>).
/// </summary>
internal static class WeightsChecksum
{
    public static ulong Of(IEnumerable<Tensor> tensors)
    {
        var hash = new XxHash3();
        foreach (Tensor tensor in tensors)
        {
            using Tensor host = tensor.detach().to(float32, CPU).contiguous();
            hash.Append(host.bytes);
        }
        return hash.GetCurrentHashAsUInt64();
    }
}
