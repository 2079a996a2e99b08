using CodeGen.Model.Sampling;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Sampling;

public sealed class SamplerTests
{
    private static Tensor Logits(params float[] values) => tensor(values);

    [Fact]
    public void Sample_Greedy_ReturnsFirstArgmax()
    {
        using Tensor logits = Logits(0.1f, 3.0f, -1f, 2.9f);
        Assert.Equal(1, new Sampler(SamplingOptions.Greedy).Sample(logits, []));
    }

    [Fact]
    public void Sample_RepetitionPenalty_DividesPositiveAndMultipliesNegativeLogits()
    {
        // Token 0 (3.0) seen: 3.0 / 2 = 1.5 < token 2's 2.0; token 1 (-0.5) seen: -1.0.
        using Tensor logits = Logits(3.0f, -0.5f, 2.0f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2.0 });
        Assert.Equal(2, sampler.Sample(logits, [0, 1, 0]));
        // Penalty 1.4: 3.0 / 1.4 = 2.14 still beats 2.0.
        Assert.Equal(0, new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 1.4 }).Sample(logits, [0]));
    }

    [Fact]
    public void Sample_TopK1_AlwaysTheArgmax()
    {
        using Tensor logits = Logits(1f, 1.2f, 0.9f, 1.1f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 5.0, TopK = 1, Seed = 3 });
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, sampler.Sample(logits, [])));
    }

    [Fact]
    public void Sample_TopK2_OnlyTheTwoMostLikely()
    {
        using Tensor logits = Logits(1f, 1.2f, 0.9f, 1.1f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, TopK = 2, Seed = 3 });
        var seen = Enumerable.Range(0, 400).Select(_ => sampler.Sample(logits, [])).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 3 }, seen);
    }

    [Fact]
    public void Sample_TopP_KeepsTheSmallestNucleus()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.75 keeps {0, 1} (0.5 < 0.75, 0.8 >= 0.75).
        using Tensor logits = Logits(MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f));
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, TopP = 0.75, Seed = 9 });
        var counts = new int[4];
        for (int i = 0; i < 2000; i++) counts[sampler.Sample(logits, [])]++;
        Assert.Equal(0, counts[2] + counts[3]);
        // Renormalised 0.5/0.8 = 0.625: with 2,000 draws the share lies well within ±0.05.
        Assert.InRange(counts[0] / 2000.0, 0.575, 0.675);
    }

    [Fact]
    public void Sample_Temperature_MatchesSoftmaxFrequencies()
    {
        // At temperature 2, logits (ln 0.8, ln 0.2) → probabilities ∝ sqrt(0.8) : sqrt(0.2) = 2 : 1.
        using Tensor logits = Logits(MathF.Log(0.8f), MathF.Log(0.2f));
        var sampler = new Sampler(new SamplingOptions { Temperature = 2.0, Seed = 1 });
        int zeros = Enumerable.Range(0, 3000).Count(_ => sampler.Sample(logits, []) == 0);
        Assert.InRange(zeros / 3000.0, 2 / 3.0 - 0.04, 2 / 3.0 + 0.04);
    }

    [Fact]
    public void Sample_SameSeed_SameSequence()
    {
        using Tensor logits = Logits(0f, 0.1f, 0.2f, 0.3f, 0.4f);
        var options = new SamplingOptions { Temperature = 1.0, Seed = 42 };
        var a = new Sampler(options);
        var b = new Sampler(options);
        Assert.Equal(Enumerable.Range(0, 30).Select(_ => a.Sample(logits, [])), Enumerable.Range(0, 30).Select(_ => b.Sample(logits, [])));
    }

    [Theory]
    [InlineData(-0.1, 0, 1.0, 1.0, "temperature must be >= 0, got -0.1")]
    [InlineData(1.0, -1, 1.0, 1.0, "top_k must be >= 0, got -1")]
    [InlineData(1.0, 0, 0.0, 1.0, "top_p must be in (0, 1], got 0")]
    [InlineData(1.0, 0, 1.5, 1.0, "top_p must be in (0, 1], got 1.5")]
    [InlineData(1.0, 0, 1.0, 0.0, "repetition_penalty must be > 0, got 0")]
    public void Constructor_InvalidOptions_ThrowsNamingTheField(double temperature, int topK, double topP, double penalty, string message)
    {
        var options = new SamplingOptions { Temperature = temperature, TopK = topK, TopP = topP, RepetitionPenalty = penalty };
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => new Sampler(options)).Message);
    }
}
