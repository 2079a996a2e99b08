using CodeGen.Model.Sampling;

namespace CodeGen.Model.Tests.Sampling;

public sealed class SamplerTests
{
    private static float[] Logits(params float[] values) => values;

    [Fact]
    public void Sample_Greedy_ReturnsFirstArgmax()
    {
        float[] logits = Logits(0.1f, 3.0f, -1f, 2.9f);
        Assert.Equal(1, new Sampler(SamplingOptions.Greedy).Sample(logits).TokenId);
    }

    [Fact]
    public void Sample_RepetitionPenalty_DividesPositiveAndMultipliesNegativeLogits()
    {
        // Token 0 (3.0) seen: 3.0 / 2 = 1.5 < token 2's 2.0; token 1 (-0.5) seen: -1.0.
        float[] logits = Logits(3.0f, -0.5f, 2.0f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 2.0 }, prompt: [0, 1, 0]);
        Assert.Equal(2, sampler.Sample(logits).TokenId);
        // Penalty 1.4: 3.0 / 1.4 = 2.14 still beats 2.0.
        Assert.Equal(0, new Sampler(new SamplingOptions { Temperature = 0, RepetitionPenalty = 1.4 }, prompt: [0]).Sample(logits).TokenId);
    }

    [Fact]
    public void Sample_TopK1_AlwaysTheArgmax()
    {
        float[] logits = Logits(1f, 1.2f, 0.9f, 1.1f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 5.0, TopK = 1, Seed = 3 });
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(1, sampler.Sample(logits).TokenId));
    }

    [Fact]
    public void Sample_TopK2_OnlyTheTwoMostLikely()
    {
        float[] logits = Logits(1f, 1.2f, 0.9f, 1.1f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, TopK = 2, Seed = 3 });
        var seen = Enumerable.Range(0, 400).Select(_ => sampler.Sample(logits).TokenId).ToHashSet();
        Assert.Equal(new HashSet<int> { 1, 3 }, seen);
    }

    [Fact]
    public void Sample_TopP_KeepsTheSmallestNucleus()
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05: top_p 0.75 keeps {0, 1} (0.5 < 0.75, 0.8 >= 0.75).
        float[] logits = Logits(MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f));
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, TopP = 0.75, Seed = 9 });
        var counts = new int[4];
        for (int i = 0; i < 2000; i++) counts[sampler.Sample(logits).TokenId]++;
        Assert.Equal(0, counts[2] + counts[3]);
        // Renormalised 0.5/0.8 = 0.625: with 2,000 draws the share lies well within ±0.05.
        Assert.InRange(counts[0] / 2000.0, 0.575, 0.675);
    }

    [Fact]
    public void Sample_Temperature_MatchesSoftmaxFrequencies()
    {
        // At temperature 2, logits (ln 0.8, ln 0.2) → probabilities ∝ sqrt(0.8) : sqrt(0.2) = 2 : 1.
        float[] logits = Logits(MathF.Log(0.8f), MathF.Log(0.2f));
        var sampler = new Sampler(new SamplingOptions { Temperature = 2.0, Seed = 1 });
        int zeros = Enumerable.Range(0, 3000).Count(_ => sampler.Sample(logits).TokenId == 0);
        Assert.InRange(zeros / 3000.0, 2 / 3.0 - 0.04, 2 / 3.0 + 0.04);
    }

    [Fact]
    public void Sample_SameSeed_SameSequence()
    {
        float[] logits = Logits(0f, 0.1f, 0.2f, 0.3f, 0.4f);
        var options = new SamplingOptions { Temperature = 1.0, Seed = 42 };
        var a = new Sampler(options);
        var b = new Sampler(options);
        Assert.Equal(Enumerable.Range(0, 30).Select(_ => a.Sample(logits).TokenId), Enumerable.Range(0, 30).Select(_ => b.Sample(logits).TokenId));
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

    [Fact]
    public void Sample_PresenceAndFrequencyPenalties_CountOnlyGeneratedTokens()
    {
        // Logits 2.0, 1.5, 1.0; token 0 in the prompt (not penalised), token 1 generated twice.
        float[] logits = Logits(2.0f, 1.5f, 1.0f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 0, PresencePenalty = 0.5, FrequencyPenalty = 0.5 }, prompt: [0]);
        sampler.Accept(1);
        sampler.Accept(1);
        Assert.Equal(0, sampler.Sample(logits).TokenId); // 2.0 untouched
        sampler.Accept(0);
        // token 0: 2.0 − 0.5 − 0.5 = 1.0; token 1: 1.5 − 0.5 − 1.0 = 0; token 2: 1.0 → tie 0 vs 2, first wins.
        Assert.Equal(0, sampler.Sample(logits).TokenId);
        sampler.Accept(0);
        Assert.Equal(2, sampler.Sample(logits).TokenId); // token 0 now 2.0 − 0.5 − 1.0 = 0.5
    }

    [Fact]
    public void Sample_LogitBias_BansAndForcesTokens()
    {
        float[] logits = Logits(5f, 1f, 0f);
        var banned = new Sampler(new SamplingOptions { Temperature = 0, LogitBias = new Dictionary<int, float> { [0] = -100 } });
        Assert.Equal(1, banned.Sample(logits).TokenId);
        var forced = new Sampler(new SamplingOptions { Temperature = 1.0, Seed = 4, LogitBias = new Dictionary<int, float> { [2] = 100 } });
        Assert.All(Enumerable.Range(0, 50), _ => Assert.Equal(2, forced.Sample(logits).TokenId));
    }

    [Fact]
    public void Sample_GreedyWithConstraint_ChecksCandidatesInOrderAndStopsAtTheFirstAllowed()
    {
        float[] logits = Logits(3f, 2f, 1f, 0f);
        var constraint = new Disallow(0, 1);
        var sampler = new Sampler(SamplingOptions.Greedy, constraint: constraint);
        SampledToken token = sampler.Sample(logits);
        Assert.Equal(2, token.TokenId);
        Assert.Equal(3, constraint.Checks); // 0 and 1 rejected, 2 allowed; 3 never asked
        Assert.Equal([0, 1], sampler.LastRejected);
        // The logprob is that of the distribution after the mask: the rejected tokens' mass goes to the others.
        Assert.Equal(1 - Math.Log(Math.Exp(1) + Math.Exp(0)), token.Logprob, 1e-5);
        Assert.Equal(1f, token.Distribution.Probability(2));
    }

    [Fact]
    public void Sample_SamplingWithConstraint_DrawsTheAllowedTokensInProportion()
    {
        // p = (0.4, 0.3, 0.2, 0.1); token 0 disallowed: the allowed ones must come out as 0.5, 0.333, 0.167.
        float[] logits = Logits(MathF.Log(0.4f), MathF.Log(0.3f), MathF.Log(0.2f), MathF.Log(0.1f));
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, Seed = 7 }, constraint: new Disallow(0));
        var counts = new int[4];
        const int draws = 20_000;
        for (int i = 0; i < draws; i++) counts[sampler.Sample(logits).TokenId]++;
        Assert.Equal(0, counts[0]);
        Assert.Equal(0.5, counts[1] / (double)draws, 0.015);
        Assert.Equal(1 / 3.0, counts[2] / (double)draws, 0.015);
        Assert.Equal(1 / 6.0, counts[3] / (double)draws, 0.015);
        SampledToken last = sampler.Sample(logits);
        Assert.Equal(0f, last.Distribution.Probability(0));
    }

    [Fact]
    public void Sample_NothingInTheNucleusAllowed_WidensToTheWholeDistribution()
    {
        float[] logits = Logits(5f, 4f, 0f, -1f);
        var sampler = new Sampler(new SamplingOptions { Temperature = 1.0, TopK = 2, Seed = 3 }, constraint: new Disallow(0, 1));
        int token = sampler.Sample(logits).TokenId;
        Assert.Contains(token, new[] { 2, 3 });
    }

    [Fact]
    public void Sample_ConstraintAllowsNothing_EndsWithAReason()
    {
        float[] logits = Logits(1f, 2f, 3f);
        var sampler = new Sampler(SamplingOptions.Greedy, constraint: new Disallow(0, 1, 2));
        SampledToken token = sampler.Sample(logits);
        Assert.True(token.IsEnd);
        Assert.Equal("constraint: the constraint allows no token of the vocabulary", token.EndReason);
    }

    [Fact]
    public void Rollback_ForgetsRejectedDraftsForThePenalties()
    {
        float[] logits = Logits(2f, 1.9f);
        var options = new SamplingOptions { Temperature = 0, FrequencyPenalty = 1 };
        var sampler = new Sampler(options);
        sampler.Accept(0);
        Assert.Equal(1, sampler.Sample(logits).TokenId); // token 0 penalised by 1
        sampler.Rollback(0);
        Assert.Empty(sampler.Generated);
        Assert.Equal(0, sampler.Sample(logits).TokenId);
    }

    [Fact]
    public void Sample_TopP_ReturnsTheRenormalisedNucleusAsItsDistribution()
    {
        float[] logits = Logits(MathF.Log(0.5f), MathF.Log(0.3f), MathF.Log(0.15f), MathF.Log(0.05f));
        SampledToken token = new Sampler(new SamplingOptions { Temperature = 1.0, TopP = 0.75, Seed = 1 }).Sample(logits);
        Assert.Equal([0, 1], token.Distribution.Ids!);
        Assert.Equal(0.625f, token.Distribution.Probability(0), 1e-5f);
        Assert.Equal(0.375f, token.Distribution.Probability(1), 1e-5f);
        Assert.Equal(0f, token.Distribution.Probability(2));
    }

    [Fact]
    public void Sample_TopPOverALargeVocabulary_WidensPastTheFirstCandidatesUntilTheMassIsReached()
    {
        // 1,000 equally likely tokens: top_p 0.5 needs 500 candidates, far more than the first selection.
        float[] logits = new float[1000];
        SampledToken token = new Sampler(new SamplingOptions { Temperature = 1.0, TopP = 0.5, Seed = 2 }).Sample(logits);
        int kept = token.Distribution.Ids!.Length;
        Assert.InRange(kept, 500, 501); // 500 × 0.001 reaches 0.5 up to float rounding
        Assert.Equal(Enumerable.Range(0, kept), token.Distribution.Ids); // ties broken by the lower id
    }

    [Fact]
    public void TopLogprobs_ReturnsTheMostLikelyWithLogSoftmax()
    {
        float[] logits = Logits(0f, 2f, 1f);
        KeyValuePair<int, float>[] top = Sampler.TopLogprobs(logits, 2);
        double z = Math.Log(1 + Math.Exp(2) + Math.Exp(1));
        Assert.Equal([1, 2], top.Select(p => p.Key));
        Assert.Equal(2 - z, top[0].Value, 1e-5);
        Assert.Equal(1 - z, top[1].Value, 1e-5);
    }

    private sealed class Disallow(params int[] tokens) : ITokenConstraint
    {
        public int Checks { get; private set; }

        public bool Allows(int token)
        {
            Checks++;
            return !tokens.Contains(token);
        }

        public void Accept(int token)
        {
        }
    }
}
