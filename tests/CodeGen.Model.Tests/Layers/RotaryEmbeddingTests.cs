using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Layers;

public sealed class RotaryEmbeddingTests
{
    // Head dim 8: frequencies θ^(-i/4), i = 0..3; angle = position · frequency; cos/sin repeated for both halves.
    private static double Angle(double theta, double position, int i) => position * Math.Pow(theta, -i / 4.0);

    [Fact]
    public void ForPositions_NoScaling_MatchesHandComputedAngles()
    {
        using var rope = new RotaryEmbedding(TinyModels.Qwen2Config() with { RopeTheta = 10000 }, CPU);
        using Tensor positions = tensor(new long[] { 0, 3, 7 }, [1, 3], int64);
        (Tensor cos, Tensor sin) = rope.ForPositions(positions, 8, float32);
        using (cos)
        using (sin)
        {
            Assert.Equal([1L, 1L, 3L, 8L], cos.shape);
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(Math.Cos(Angle(10000, 7, i)), cos[0, 0, 2, i].item<float>(), 1e-5);
                Assert.Equal(Math.Sin(Angle(10000, 3, i)), sin[0, 0, 1, i + 4].item<float>(), 1e-5);
            }
        }
    }

    [Fact]
    public void ForPositions_LinearScaling_DividesPositionsByFactor()
    {
        var config = TinyModels.Qwen2Config(ropeScaling: new RopeScaling("linear", 4.0, null)) with { RopeTheta = 10000 };
        using var rope = new RotaryEmbedding(config, CPU);
        using Tensor positions = tensor(new long[] { 6 }, [1, 1], int64);
        (Tensor cos, Tensor sin) = rope.ForPositions(positions, 7, float32);
        using (cos)
        using (sin)
            for (int i = 0; i < 4; i++) Assert.Equal(Math.Cos(Angle(10000, 1.5, i)), cos[0, 0, 0, i].item<float>(), 1e-5);
    }

    [Fact]
    public void ForPositions_DynamicScaling_GrowsBaseOnlyPastOriginalContext()
    {
        var config = TinyModels.Qwen2Config(ropeScaling: new RopeScaling("dynamic", 2.0, null), maxPositions: 16) with { RopeTheta = 10000 };
        using var rope = new RotaryEmbedding(config, CPU);
        using Tensor positions = tensor(new long[] { 5 }, [1, 1], int64);
        (Tensor within, Tensor _) = rope.ForPositions(positions, 16, float32);
        Assert.Equal(Math.Cos(Angle(10000, 5, 1)), within[0, 0, 0, 1].item<float>(), 1e-5);
        // Sequence of 32 with original 16, factor 2: base = θ · (2·32/16 − 1)^(8/6) = θ · 3^(4/3).
        double grown = 10000 * Math.Pow(3, 8 / 6.0);
        (Tensor beyond, Tensor _) = rope.ForPositions(positions, 32, float32);
        Assert.Equal(Math.Cos(Angle(grown, 5, 1)), beyond[0, 0, 0, 1].item<float>(), 1e-5);
    }

    [Fact]
    public void Apply_RotateHalf_MatchesHandComputation()
    {
        // x = [1, 2, 3, 4] (D = 4): rotate_half = [-3, -4, 1, 2].
        using Tensor x = tensor(new float[] { 1, 2, 3, 4 }).view(1, 1, 1, 4);
        using Tensor cos = full(new long[] { 1, 1, 1, 4 }, 0.5f);
        using Tensor sin = full(new long[] { 1, 1, 1, 4 }, 2f);
        using Tensor y = RotaryEmbedding.Apply(x, cos, sin);
        Assert.Equal(new float[] { 0.5f - 6, 1 - 8, 1.5f + 2, 2 + 4 }, y.flatten().data<float>().ToArray());
    }
}
