using CodeGen.Model;
using CodeGen.Model.Generation;
using CodeGen.Model.Sampling;
using CodeGen.TestUtils;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Generation;

[Collection(MemoryMeasurementCollection.Name)]
public sealed class GenerationMemoryTests
{
    [Fact]
    public void Generate_2000Tokens_LiveTensorCountAndMemoryStayFlat()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config(maxPositions: 2048));
        var liveAt = new Dictionary<int, long>();
        var rssAt = new Dictionary<int, long>();
        var request = new GenerationRequest([1, 2, 3], 2000, new SamplingOptions { Temperature = 0.8, Seed = 5 });
        IReadOnlyList<GenerationResult> results = BatchGenerator.Generate(model, [request], (_, position, _) =>
        {
            if (position is 200 or 1000 or 2001)
            {
                liveAt[position] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                rssAt[position] = Environment.WorkingSet;
            }
        });
        Assert.Equal(2000, results[0].Tokens.Count);
        Assert.Equal("length", results[0].FinishReason);
        Assert.Equal(liveAt[200], liveAt[1000]);
        Assert.Equal(liveAt[200], liveAt[2001]);
        long growth = rssAt[2001] - rssAt[200];
        Assert.True(growth < 64L << 20, $"resident memory grew by {growth >> 20} MiB over 1,800 tokens");
    }
}
