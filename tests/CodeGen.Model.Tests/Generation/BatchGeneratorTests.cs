using CodeGen.Model;
using CodeGen.Model.Generation;
using CodeGen.Model.Sampling;
using CodeGen.TestUtils;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Generation;

public sealed class BatchGeneratorTests
{
    [Fact]
    public void Generate_SameSeed_SameTokens_DifferentSeed_DifferentTokens()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        GenerationRequest Request(int seed) => new([4, 5, 6], 40, new SamplingOptions { Temperature = 1.0, TopP = 0.95, Seed = seed });
        var a = BatchGenerator.Generate(model, [Request(11)])[0].Tokens;
        var b = BatchGenerator.Generate(model, [Request(11)])[0].Tokens;
        var c = BatchGenerator.Generate(model, [Request(12)])[0].Tokens;
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Generate_BatchOfGreedyRequests_EqualsEachRunAlone()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        GenerationRequest[] requests =
        [
            new([1, 2, 3, 4, 5, 6, 7], 12, SamplingOptions.Greedy),
            new([9], 20, SamplingOptions.Greedy),
            new([30, 31, 32], 5, SamplingOptions.Greedy),
        ];
        IReadOnlyList<GenerationResult> together = BatchGenerator.Generate(model, requests);
        for (int i = 0; i < requests.Length; i++)
            Assert.Equal(BatchGenerator.Generate(model, [requests[i]])[0].Tokens, together[i].Tokens);
        Assert.Equal([12, 20, 5], together.Select(r => r.Tokens.Count));
    }

    [Fact]
    public void Generate_StopToken_EndsWithStopAndExcludesIt()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        var free = BatchGenerator.Generate(model, [new GenerationRequest([1, 2], 10, SamplingOptions.Greedy)])[0];
        int stopAt = free.Tokens[3];
        int firstIndex = free.Tokens.ToList().IndexOf(stopAt);
        var stopped = BatchGenerator.Generate(model, [new GenerationRequest([1, 2], 10, SamplingOptions.Greedy, [stopAt])])[0];
        Assert.Equal("stop", stopped.FinishReason);
        Assert.Equal(free.Tokens.Take(firstIndex), stopped.Tokens);
    }

    [Fact]
    public void Generate_PromptLongerThanContext_ThrowsWithTheNumbers()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config(maxPositions: 8));
        var e = Assert.Throws<ArgumentException>(() =>
            BatchGenerator.Generate(model, [new GenerationRequest(Enumerable.Range(1, 9).ToArray(), 1, SamplingOptions.Greedy)]));
        Assert.Equal("Prompt has 9 tokens; the model's context is 8", e.Message);
    }
}
