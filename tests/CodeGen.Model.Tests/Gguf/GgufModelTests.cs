using System.Text;
using System.Text.Json.Nodes;
using CodeGen.Model.Gguf;
using CodeGen.TestUtils;

namespace CodeGen.Model.Tests.Gguf;

/// <summary>What GgufModel.Open refuses before llama.cpp could see a file, and what it reads from a good one.</summary>
public sealed class GgufModelTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-gguf-check-").FullName;
    private readonly string _directory;
    private readonly string _good;

    public GgufModelTests()
    {
        _directory = GgufModels.SaveQwen2Directory(Path.Combine(_root, "qwen2"));
        _good = GgufModels.Export(_directory, Path.Combine(_root, "good.gguf"));
    }

    [Fact]
    public void Open_ExportedQwen2_ReadsConfigTokenizerAndTensors()
    {
        GgufModel model = GgufModel.Open(_good);
        Assert.Equal("qwen2", model.Architecture);
        Assert.Equal(ModelConfig.Load(_directory) with { TorchDtype = null, BosTokenId = 1018 }, model.Config);
        Assert.False(model.Config.TieWordEmbeddings);
        Assert.True(model.Config.AttentionBias);
        Assert.Equal(1024, model.Config.VocabSize);
        Assert.Equal([1018], model.Config.EosTokenIds);
        Assert.Equal("gpt2", model.TokenizerModel);
        Assert.Equal(2 + 2 * 12 + 1, model.File.Tensors.Count); // embedding, norm, head + 12 per layer
        Assert.Equal([32L, 16], model.File.TensorsByName["blk.1.attn_k.weight"].Dimensions); // ggml order: (in, out) with 2 KV heads of 8
        Assert.Equal(GgufTensorType.F32, model.File.TensorsByName["blk.0.ffn_down.weight"].Type);
    }

    [Fact]
    public void Open_ExportedTokenizer_EncodesAsTokenizerJson()
    {
        var fromJson = CodeGen.Model.Tokenization.BpeTokenizer.Load(Path.Combine(_directory, "tokenizer.json"));
        CodeGen.Model.Tokenization.BpeTokenizer fromGguf = GgufModel.Open(_good).Tokenizer!;
        foreach (string text in new[] { "public static int Add(int a, int b) => a + b;", "  \t\n\n   x", "naïve 日本語 🎉", "<|endoftext|>def f():<|fim_middle|>" })
        {
            Assert.Equal(fromJson.Encode(text), fromGguf.Encode(text));
            Assert.Equal(text, fromGguf.Decode(fromGguf.Encode(text)));
        }
        Assert.Equal(fromJson.FimPrefixId, fromGguf.FimPrefixId);
        Assert.Equal(fromJson.TokenBytes(300).ToArray(), fromGguf.TokenBytes(300).ToArray());
    }

    [Fact]
    public void Open_TruncatedInsideTheTensorData_NamesFileTensorAndTruncation()
    {
        string bad = Truncate(_good, new FileInfo(_good).Length - 100);
        var e = Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad));
        Assert.StartsWith($"{bad}: tensor 'output.weight' [32, 1024] F32 ends at byte ", e.Message);
        Assert.EndsWith("truncated", e.Message);
    }

    [Fact]
    public void Open_TruncatedInsideTheMetadata_NamesFileAndTruncation()
    {
        string bad = Truncate(_good, 200);
        var e = Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad));
        Assert.StartsWith($"{bad}: ", e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void Open_NotGguf_NamesTheMagic()
    {
        string bad = Path.Combine(_root, "safetensors.gguf");
        File.Copy(Path.Combine(_directory, "model.safetensors"), bad);
        var e = Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad));
        Assert.StartsWith($"{bad}: not a GGUF file (magic 0x", e.Message);
    }

    [Fact]
    public void Open_UnsupportedArchitecture_NamesItAndTheSupportedOnes()
    {
        byte[] bytes = File.ReadAllBytes(_good);
        int at = IndexOf(bytes, "general.architecture"u8.ToArray()) + "general.architecture".Length + 4 + 8; // key, type, length
        Assert.Equal("qwen2", Encoding.UTF8.GetString(bytes, at, 5));
        "mamba"u8.CopyTo(bytes.AsSpan(at));
        string bad = Path.Combine(_root, "mamba.gguf");
        File.WriteAllBytes(bad, bytes);
        Assert.Equal($"{bad}: unsupported architecture 'mamba' (supported: llama, qwen2)", Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad)).Message);
    }

    [Fact]
    public void Open_TensorOfTheWrongShape_NamesTensorAndBothShapes()
    {
        string config = Path.Combine(_directory, "config.json");
        JsonObject json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();
        json["intermediate_size"] = 96; // the weights stay 64 wide
        string directory = Path.Combine(_root, "misshapen");
        Directory.CreateDirectory(directory);
        foreach (string f in Directory.GetFiles(_directory)) File.Copy(f, Path.Combine(directory, Path.GetFileName(f)));
        File.WriteAllText(Path.Combine(directory, "config.json"), json.ToJsonString());
        string bad = GgufModels.Export(directory, Path.Combine(_root, "misshapen.gguf"));
        Assert.Equal($"{bad}: tensor 'blk.0.ffn_gate.weight' has shape [32, 64], expected [32, 96] from the metadata",
            Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad)).Message);
    }

    [Fact]
    public void Open_NoVocabulary_SaysSo()
    {
        string bad = Path.Combine(_root, "novocab.gguf");
        GgufExporter.Export(_directory, bad, GgufTensorType.F32, vocabulary: _ => { });
        Assert.Equal($"{bad}: has no vocabulary (no tokenizer.ggml.model in the metadata)", Assert.Throws<ModelLoadException>(() => GgufModel.Open(bad)).Message);
    }

    [Fact]
    public void ResolvePath_DirectoryWithOneGguf_ThatFile()
    {
        string directory = Path.Combine(_root, "one");
        Directory.CreateDirectory(directory);
        File.Copy(_good, Path.Combine(directory, "m.gguf"));
        Assert.True(GgufModel.IsGguf(directory));
        Assert.Equal(Path.Combine(directory, "m.gguf"), GgufModel.ResolvePath(directory));
        File.Copy(_good, Path.Combine(directory, "n.gguf"));
        Assert.Equal($"{directory} holds 2 .gguf files (m.gguf, n.gguf); pass one with --model FILE.gguf",
            Assert.Throws<ModelLoadException>(() => GgufModel.ResolvePath(directory)).Message);
        Assert.False(GgufModel.IsGguf(_directory));
    }

    [Fact]
    public void PermuteForInterleavedRope_OneHead_PairsFirstAndSecondHalves()
    {
        using TorchSharp.torch.Tensor rows = TorchSharp.torch.arange(8, TorchSharp.torch.float32); // head_dim 8: rotate-half order
        using TorchSharp.torch.Tensor permuted = GgufExporter.PermuteForInterleavedRope(rows, heads: 1);
        Assert.Equal([0f, 4, 1, 5, 2, 6, 3, 7], permuted.data<float>().ToArray());
    }

    private string Truncate(string path, long length)
    {
        string target = Path.Combine(_root, $"truncated-{length}.gguf");
        using FileStream source = File.OpenRead(path);
        using FileStream destination = File.Create(target);
        byte[] buffer = new byte[length];
        source.ReadExactly(buffer);
        destination.Write(buffer);
        return target;
    }

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
