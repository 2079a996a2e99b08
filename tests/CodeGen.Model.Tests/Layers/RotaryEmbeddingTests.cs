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
        using Tensor positions = tensor(new long[] { 0, 3, 7 }, int64);
        (Tensor cos, Tensor sin) = rope.ForPositions(positions, float32);
        using (cos)
        using (sin)
        {
            Assert.Equal([3L, 8L], cos.shape);
            for (int i = 0; i < 4; i++)
            {
                Assert.Equal(Math.Cos(Angle(10000, 7, i)), cos[2, i].item<float>(), 1e-5);
                Assert.Equal(Math.Sin(Angle(10000, 3, i)), sin[1, i + 4].item<float>(), 1e-5);
            }
        }
    }

    [Fact]
    public void ForPositions_LinearScaling_DividesPositionsByFactor()
    {
        var config = TinyModels.Qwen2Config(ropeScaling: new RopeScaling("linear", 4.0, null)) with { RopeTheta = 10000 };
        using var rope = new RotaryEmbedding(config, CPU);
        using Tensor positions = tensor(new long[] { 6 }, int64);
        (Tensor cos, Tensor sin) = rope.ForPositions(positions, float32);
        using (cos)
        using (sin)
            for (int i = 0; i < 4; i++) Assert.Equal(Math.Cos(Angle(10000, 1.5, i)), cos[0, i].item<float>(), 1e-5);
    }

    [Fact]
    public void ForPositions_DynamicScaling_EachPositionGetsTheBaseOfItsOwnLength()
    {
        // Original context 16, factor 2, model context 40. Position 5 (within) keeps θ; position 31 is the last token
        // of a 32-token sequence: base = θ · (2·32/16 − 1)^(8/6) = θ · 3^(4/3), whatever else is asked for with it.
        var config = TinyModels.Qwen2Config(ropeScaling: new RopeScaling("dynamic", 2.0, 16), maxPositions: 40) with { RopeTheta = 10000 };
        using var rope = new RotaryEmbedding(config, CPU);
        double grown = 10000 * Math.Pow(3, 8 / 6.0);
        (Tensor alone, Tensor _) = rope.ForPositions(tensor(new long[] { 31 }, int64), float32);
        (Tensor mixed, Tensor _) = rope.ForPositions(tensor(new long[] { 5, 31, 39 }, int64), float32);
        Assert.Equal(Math.Cos(Angle(10000, 5, 1)), mixed[0, 1].item<float>(), 1e-5);
        Assert.Equal(Math.Cos(Angle(grown, 31, 1)), alone[0, 1].item<float>(), 1e-5);
        Assert.Equal(alone[0].data<float>().ToArray(), mixed[1].data<float>().ToArray());
    }

    [Fact]
    public void Apply_RotateHalf_MatchesHandComputation()
    {
        // x = [1, 2, 3, 4] (D = 4): rotate_half = [-3, -4, 1, 2].
        using Tensor x = tensor(new float[] { 1, 2, 3, 4 }).view(1, 1, 1, 4);
        using Tensor cos = full(new long[] { 1, 4 }, 0.5f);
        using Tensor sin = full(new long[] { 1, 4 }, 2f);
        using Tensor y = RotaryEmbedding.Apply(x, cos, sin);
        Assert.Equal(new float[] { 0.5f - 6, 1 - 8, 1.5f + 2, 2 + 4 }, y.flatten().data<float>().ToArray());
    }
}
