using CodeGen.Training.Distributed;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Distributed;

public sealed class WeightsChecksumTests
{
    [Fact]
    public void Of_OneFloat_Fnv1aOfItsLittleEndianBits()
    {
        using Tensor one = tensor(new float[] { 1f }); // 0x3f800000: bytes 00 00 80 3f
        ulong expected = 14695981039346656037;
        foreach (byte b in new byte[] { 0x00, 0x00, 0x80, 0x3f }) expected = (expected ^ b) * 1099511628211;

        Assert.Equal(expected, WeightsChecksum.Of([one]));
    }

    [Fact]
    public void Of_OneBitChanged_Differs()
    {
        using Tensor a = tensor(new float[] { 0.1f, 0.2f, 0.3f });
        using Tensor b = tensor(new float[] { 0.1f, BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(0.2f) ^ 1), 0.3f });
        using Tensor c = a.clone();

        Assert.NotEqual(WeightsChecksum.Of([a]), WeightsChecksum.Of([b]));
        Assert.Equal(WeightsChecksum.Of([a]), WeightsChecksum.Of([c]));
    }
}
