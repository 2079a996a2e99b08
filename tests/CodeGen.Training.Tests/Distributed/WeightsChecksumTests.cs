using CodeGen.Training.Distributed;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Distributed;

public sealed class WeightsChecksumTests
{
    [Fact]
    public void Of_TwoTensors_XxHash3OfTheirLittleEndianFloatBytesInOrder()
    {
        using Tensor one = tensor(new float[] { 1f }); // 0x3f800000
        using Tensor pair = tensor(new float[] { -2f, 0.5f }); // 0xc0000000, 0x3f000000

        byte[] bytes = [0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f];
        Assert.Equal(System.IO.Hashing.XxHash3.HashToUInt64(bytes), WeightsChecksum.Of([one, pair]));
        Assert.NotEqual(WeightsChecksum.Of([one, pair]), WeightsChecksum.Of([pair, one]));
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
