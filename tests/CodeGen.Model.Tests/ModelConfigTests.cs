using CodeGen.Model;
using CodeGen.TestUtils;

namespace CodeGen.Model.Tests;

public sealed class ModelConfigTests
{
    private const string Qwen25Coder05B = """
        {"architectures":["Qwen2ForCausalLM"],"attention_dropout":0.0,"bos_token_id":151643,"eos_token_id":151643,
         "hidden_act":"silu","hidden_size":896,"initializer_range":0.02,"intermediate_size":4864,"max_position_embeddings":32768,
         "max_window_layers":24,"model_type":"qwen2","num_attention_heads":14,"num_hidden_layers":24,"num_key_value_heads":2,
         "rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,"tie_word_embeddings":true,"torch_dtype":"bfloat16",
         "transformers_version":"4.44.0","use_cache":true,"use_sliding_window":false,"vocab_size":151936}
        """;

    [Fact]
    public void Parse_Qwen25Coder05B_ReadsEveryField()
    {
        ModelConfig c = ModelConfig.Parse(Qwen25Coder05B);
        Assert.Equal(("qwen2", 151936, 896, 4864, 24, 14, 2, 64), (c.ModelType, c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads, c.HeadDim));
        Assert.Equal((1e-6, 1_000_000.0, true, true, false, 7), (c.RmsNormEps, c.RopeTheta, c.TieWordEmbeddings, c.AttentionBias, c.OutputBias, c.GroupSize));
        Assert.Equal([151643], c.EosTokenIds);
        Assert.Equal(32768, c.MaxPositionEmbeddings);
        Assert.Null(c.RopeScaling);
    }

    [Fact]
    public void Parse_LlamaWithRopeScalingAndEosList()
    {
        ModelConfig c = ModelConfig.Parse("""
            {"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,
             "num_attention_heads":2,"eos_token_id":[2,7],"rope_scaling":{"type":"dynamic","factor":2.0}}
            """);
        Assert.Equal(new RopeScaling("dynamic", 2.0, null), c.RopeScaling);
        Assert.Equal([2, 7], c.EosTokenIds);
        Assert.Equal(2, c.NumKeyValueHeads);
        Assert.False(c.AttentionBias);
    }

    [Fact]
    public void ToJson_ThenParse_RoundTrips()
    {
        ModelConfig original = TinyModels.Qwen2Config(ropeScaling: new RopeScaling("linear", 4.0, 64)) with { TorchDtype = "bfloat16", BosTokenId = 1 };
        ModelConfig again = ModelConfig.Parse(original.ToJson());
        Assert.Equal(original, again);
        Assert.NotEqual(original, again with { EosTokenIds = [3] });
    }

    [Fact]
    public void Parse_UnknownArchitecture_NamesIt()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelConfig.Parse("""{"model_type":"gpt2","architectures":["GPT2LMHeadModel"]}""", "x/config.json"));
        Assert.Equal("x/config.json: unsupported architecture model_type='gpt2' architectures=['GPT2LMHeadModel']; supported: llama (LlamaForCausalLM), qwen2 (Qwen2ForCausalLM)", e.Message);
    }

    [Fact]
    public void Parse_MissingField_NamesIt()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelConfig.Parse("""{"model_type":"llama","hidden_size":8,"num_attention_heads":2}"""));
        Assert.Equal("config.json: missing required field 'vocab_size'", e.Message);
    }

    [Fact]
    public void Parse_UnsupportedRopeScaling_NamesType()
    {
        var e = Assert.Throws<ModelLoadException>(() => ModelConfig.Parse("""
            {"model_type":"llama","vocab_size":10,"hidden_size":8,"intermediate_size":16,"num_hidden_layers":1,
             "num_attention_heads":2,"rope_scaling":{"type":"longrope","factor":2.0}}
            """));
        Assert.Equal("config.json: unsupported rope_scaling type 'longrope' (supported: linear, dynamic)", e.Message);
    }

    [Fact]
    public void Load_MissingDirectory_NamesConfigPath()
    {
        string dir = Path.Combine(Path.GetTempPath(), "codegen-no-such-model");
        var e = Assert.Throws<ModelLoadException>(() => CausalLM.Load(dir, TorchSharp.torch.float32, TorchSharp.torch.CPU));
        Assert.Equal($"Model directory not found: {dir}", e.Message);
    }
}
