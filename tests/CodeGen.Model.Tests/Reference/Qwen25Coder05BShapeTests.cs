using CodeGen.Model;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Reference;

/// <summary>A random model with Qwen2.5-Coder-0.5B's exact configuration, written to safetensors, loaded back and run.</summary>
public sealed class Qwen25Coder05BShapeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("codegen-qwen05b-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static ModelConfig Config => new()
    {
        ModelType = "qwen2",
        VocabSize = 151936,
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumHiddenLayers = 24,
        NumAttentionHeads = 14,
        NumKeyValueHeads = 2,
        HeadDim = 64,
        MaxPositionEmbeddings = 32768,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000,
        TieWordEmbeddings = true,
        AttentionBias = true,
        BosTokenId = 151643,
        EosTokenIds = [151643],
        TorchDtype = "bfloat16",
    };

    [Fact]
    public void SaveLoadRun_RandomBFloat16_SameLogitsAndParameterCount()
    {
        using var _ = no_grad();
        using var original = new CausalLM(Config, new RandomWeightSource(7, bfloat16, CPU), bfloat16, CPU);
        original.Save(_dir, maxShardBytes: 600L << 20); // sharded: exercises the index on a real-size checkpoint
        Assert.True(File.Exists(Path.Combine(_dir, SafeTensorsWriter.IndexFileName)));

        long parameters = original.NamedWeights().Sum(w => w.Value.NumberOfElements);
        Assert.Equal(494_032_768L, parameters); // Qwen2.5-0.5B: 0.49B parameters with tied embeddings

        using var loaded = CausalLM.Load(_dir, bfloat16, CPU);
        Assert.Equal(Config, loaded.Config);
        using var cacheA = original.CreateCache(1, 16);
        using var cacheB = loaded.CreateCache(1, 16);
        int[] prompt = [151643, 1024, 77, 9000, 151935];
        using Tensor a = original.Forward([new SequenceStep(prompt, 0, [0])], cacheA);
        using Tensor b = loaded.Forward([new SequenceStep(prompt, 0, [0])], cacheB);
        Assert.Equal([1L, 151936L], b.shape);
        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(b.isnan().any().item<bool>());
    }
}
