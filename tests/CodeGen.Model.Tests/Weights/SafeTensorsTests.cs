using System.Text;
using CodeGen.Model;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Weights;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("codegen-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(ScalarType.Float32, "F32")]
    [InlineData(ScalarType.Float16, "F16")]
    [InlineData(ScalarType.BFloat16, "BF16")]
    public void WriteThenOpen_EachFloatDType_RoundTripsBitsAndHeader(ScalarType dtype, string name)
    {
        using Tensor original = arange(0, 12, float32).div(7).view(3, 4).to(dtype);
        string path = Path.Combine(_dir, "t.safetensors");
        SafeTensorsWriter.Write(path, [new("w", original)], new Dictionary<string, string> { ["format"] = "pt" });
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Assert.Equal(name, file.Tensors["w"].DType);
        Assert.Equal([3L, 4L], file.Tensors["w"].Shape);
        Assert.Equal("pt", file.Metadata["format"]);
        using Tensor loaded = file.Load("w");
        Assert.Equal(dtype, loaded.dtype);
        Assert.True(loaded.eq(original).all().item<bool>());
        using Tensor asFloat = file.Load("w", float32);
        Assert.True(asFloat.eq(original.to(float32)).all().item<bool>());
    }

    [Fact]
    public void Write_HeaderIsPaddedSoDataStartsEightByteAligned()
    {
        string path = Path.Combine(_dir, "a.safetensors");
        using Tensor t = ones(3);
        SafeTensorsWriter.Write(path, [new("abc", t)]);
        byte[] bytes = File.ReadAllBytes(path);
        ulong headerLength = BitConverter.ToUInt64(bytes, 0);
        Assert.Equal(0UL, (8 + headerLength) % 8);
        Assert.Equal(8 + (long)headerLength + 12, bytes.Length);
    }

    [Fact]
    public void Stories260K_ReadsRealCheckpointHeader()
    {
        using var checkpoint = Checkpoint.Open(Fixtures.Stories260K);
        Assert.Equal(47, checkpoint.Names.Count()); // embed + 5 × 9 per layer + final norm (lm_head tied)
        Assert.Equal([32L, 64L], checkpoint.Info("model.layers.0.self_attn.k_proj.weight").Shape);
        using Tensor norm = checkpoint.Load("model.norm.weight");
        Assert.Equal([64L], norm.shape);
    }

    [Fact]
    public void Open_MissingFile_NamesThePath()
    {
        string path = Path.Combine(_dir, "nope.safetensors");
        Assert.Equal($"Checkpoint file not found: {path}", Assert.Throws<ModelLoadException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Fact]
    public void Open_OffsetsBeyondFile_ThrowsNamingTheTensor()
    {
        string path = Path.Combine(_dir, "bad.safetensors");
        byte[] header = Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}");
        File.WriteAllBytes(path, [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. new byte[8]]);
        var e = Assert.Throws<ModelLoadException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("tensor 'x' has data_offsets [0, 16]", e.Message);
    }

    [Fact]
    public void WriteCheckpoint_OverShardLimit_WritesIndexAndShardsThatLoadBack()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        model.Save(_dir, maxShardBytes: 20_000);
        Assert.True(File.Exists(Path.Combine(_dir, SafeTensorsWriter.IndexFileName)));
        int shards = Directory.GetFiles(_dir, "model-*-of-*.safetensors").Length;
        Assert.True(shards > 2, $"expected several shards, got {shards}");
        using var loaded = CausalLM.Load(_dir, float32, CPU);
        using var _ = no_grad();
        using Tensor ids = tensor(new long[] { 1, 5, 9, 2 }, [1, 4], int64);
        Assert.True(model.Forward(ids).eq(loaded.Forward(ids)).all().item<bool>());
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        var weights = model.NamedWeights().Where(w => w.Key != "model.layers.1.mlp.up_proj.weight").ToList();
        SafeTensorsWriter.WriteCheckpoint(_dir, weights);
        File.WriteAllText(Path.Combine(_dir, "config.json"), model.Config.ToJson());
        var e = Assert.Throws<ModelLoadException>(() => CausalLM.Load(_dir, float32, CPU));
        Assert.Equal($"Checkpoint {_dir} is missing tensor 'model.layers.1.mlp.up_proj.weight'", e.Message);
    }

    [Fact]
    public void Load_WrongShape_NamesTensorAndBothShapes()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        model.Save(_dir);
        File.WriteAllText(Path.Combine(_dir, "config.json"), (model.Config with { IntermediateSize = 48 }).ToJson());
        var e = Assert.Throws<ModelLoadException>(() => CausalLM.Load(_dir, float32, CPU));
        Assert.Equal($"Tensor 'model.layers.0.mlp.gate_proj.weight' in {_dir} has shape [64, 32], expected [48, 32] from config.json", e.Message);
    }

    [Fact]
    public void Load_NoWeights_SaysWhatWasExpected()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        File.WriteAllText(Path.Combine(_dir, "config.json"), model.Config.ToJson());
        var e = Assert.Throws<ModelLoadException>(() => CausalLM.Load(_dir, float32, CPU));
        Assert.Equal($"No weights in {_dir}: expected model.safetensors or model.safetensors.index.json", e.Message);
    }
}
