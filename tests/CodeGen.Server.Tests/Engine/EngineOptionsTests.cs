using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Engine;

public sealed class EngineOptionsTests
{
    [Theory]
    [InlineData("8GiB", 8L << 30)]
    [InlineData("512MiB", 512L << 20)]
    [InlineData("1.5GB", 1_500_000_000L)]
    [InlineData("1048576", 1048576L)]
    [InlineData("0.25", 250L)]
    [InlineData("1.0", 1000L)]
    public void KvCacheMemory_SizesAndFractions_Parse(string spec, long bytes) => Assert.Equal(bytes, KvCacheMemory.Parse(spec, 1000));

    [Theory]
    [InlineData("lots")]
    [InlineData("-5GiB")]
    [InlineData("1.5")]
    [InlineData("0")]
    public void KvCacheMemory_Garbage_ThrowsNamingTheFlag(string spec) =>
        Assert.StartsWith($"--kv-cache-memory '{spec}' is neither a size", Assert.Throws<ArgumentException>(() => KvCacheMemory.Parse(spec, 1000)).Message);

    private static readonly (EngineOptions Options, string Message)[] Bad =
    [
        (new EngineOptions { MaxBatch = 0 }, "--max-batch must be in 1..1024, got 0"),
        (new EngineOptions { MaxQueue = -1 }, "--max-queue must be in 0..100000, got -1"),
        (new EngineOptions { PrefillChunk = 0 }, "--prefill-chunk must be in 1..1000000, got 0"),
        (new EngineOptions { MaxBatch = 8, MaxStepTokens = 4 }, "--max-step-tokens must be in --max-batch (8)..1000000"),
        (new EngineOptions { RequestTimeout = TimeSpan.Zero }, "--request-timeout must be > 0 seconds, got 0"),
        (new EngineOptions { BlockSize = 0 }, "--block-size must be in 1..1024, got 0"),
        (new EngineOptions { MaxContext = 1 }, "--max-context must be >= 2, got 1"),
        (new EngineOptions { KvCacheMemory = "much" }, "--kv-cache-memory 'much' is neither"),
    ];

    [Theory]
    [InlineData(0), InlineData(1), InlineData(2), InlineData(3), InlineData(4), InlineData(5), InlineData(6), InlineData(7)]
    public void Validate_OutOfRange_ThrowsNamingTheFlag(int index) =>
        Assert.StartsWith(Bad[index].Message, Assert.Throws<ArgumentException>(Bad[index].Options.Validate).Message);

    [Fact]
    public void ModelHost_KvBudgetBelowOneContext_FailsAtStartWithTheNumbers()
    {
        string model = TinyModels.SaveServable(Directory.CreateTempSubdirectory("codegen-kv-").FullName, maxPositions: 256);
        try
        {
            // The servable model needs 256 B per position: 16 KiB hold 64 positions, fewer than the context of 256.
            var e = Assert.Throws<ArgumentException>(() => new ModelHost(model, float32, CPU, new EngineOptions { KvCacheMemory = "16KiB" }));
            Assert.Equal("--kv-cache-memory 16KiB (0 MiB) holds 4 KV blocks of 16 positions, fewer than the 16 one sequence of --max-context 256 needs (0 MiB); raise --kv-cache-memory or lower --max-context", e.Message);
            var beyond = Assert.Throws<ArgumentException>(() => new ModelHost(model, float32, CPU, new EngineOptions { MaxContext = 300 }));
            Assert.StartsWith("--max-context 300 exceeds the model's context of 256", beyond.Message);
            // With the default budget the pool holds max-batch full-context sequences.
            using var host = new ModelHost(model, float32, CPU, new EngineOptions { MaxBatch = 3 });
            Assert.Equal(3 * (256 / 16 + 1), host.KvBlocks);
        }
        finally
        {
            Directory.Delete(model, recursive: true);
        }
    }
}
