using CodeGen.Model.Sampling;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using TorchSharp;

namespace CodeGen.Server.Tests.Engine;

[Collection(MemoryMeasurementCollection.Name)]
public sealed class EngineMemoryTests : IDisposable
{
    private readonly string _model = TinyModels.SaveServable(Directory.CreateTempSubdirectory("codegen-mem-").FullName, maxPositions: 2048);

    public void Dispose() => Directory.Delete(_model, recursive: true);

    [Fact]
    public async Task Generate_2000Tokens_LiveTensorCountAndMemoryStayFlat()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(_model, new EngineOptions { MaxBatch = 1 });
        var liveAt = new Dictionary<int, long>();
        var rssAt = new Dictionary<int, long>();
        GenerationJob job = EngineHarness.Job([1, 2, 3], 2000, new SamplingOptions { Temperature = 0.8, Seed = 5, LogitBias = new Dictionary<int, float> { [1018] = -100 } },
            observe: (position, _) =>
            {
                if (position is 200 or 1000 or 2001)
                {
                    liveAt[position] = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
                    rssAt[position] = Environment.WorkingSet;
                }
            });
        (List<int> tokens, string? finish) = await engine.RunAsync(job);
        Assert.Equal(2000, tokens.Count);
        Assert.Equal("length", finish);
        Assert.Equal(liveAt[200], liveAt[1000]);
        Assert.Equal(liveAt[200], liveAt[2001]);
        long growth = rssAt[2001] - rssAt[200];
        // The KV pool's pages become resident as positions are written: 1,800 positions × 256 B is under 1 MiB.
        Assert.True(growth < 64L << 20, $"resident memory grew by {growth >> 20} MiB over 1,800 tokens");
    }
}
