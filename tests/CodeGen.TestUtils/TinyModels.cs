using CodeGen.Model;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.TestUtils;

/// <summary>Small random-weight models for tests: real architecture code, seconds to build.</summary>
public static class TinyModels
{
    /// <summary>A Qwen2-style config (GQA 4:2, q/k/v bias, untied head, theta 1e6) at toy size.</summary>
    public static ModelConfig Qwen2Config(bool tied = false, RopeScaling? ropeScaling = null, int maxPositions = 256) => new()
    {
        ModelType = "qwen2",
        VocabSize = 97,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        MaxPositionEmbeddings = maxPositions,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000,
        RopeScaling = ropeScaling,
        TieWordEmbeddings = tied,
        AttentionBias = true,
        EosTokenIds = [2],
    };

    /// <summary>A random model for <paramref name="config"/> (std 0.2 so logits are far from uniform).</summary>
    public static CausalLM Random(ModelConfig config, long seed = 1, ScalarType? dtype = null) =>
        new(config, new RandomWeightSource(seed, dtype ?? float32, CPU, std: 0.2), dtype ?? float32, CPU);

    /// <summary>
    /// Writes a servable model directory: a tiny random Llama (std 0.2, so greedy text varies) with the project's
    /// small tokenizer (vocab 1024, &lt;|endoftext|&gt; = 1018 as EOS), and optionally a ChatML chat template.
    /// </summary>
    public static string SaveServable(string directory, bool chatTemplate = false, int maxPositions = 256, long seed = 11)
    {
        // The Qwen2 test shape, as a plain Llama (no q/k/v bias) with the fixture tokenizer's vocabulary.
        ModelConfig config = Qwen2Config(tied: true, maxPositions: maxPositions) with
        {
            ModelType = "llama",
            VocabSize = 1024,
            AttentionBias = false,
            RopeTheta = 10000,
            RmsNormEps = 1e-5,
            EosTokenIds = [1018],
        };
        using (var model = Random(config, seed: seed))
        {
            model.Save(directory);
        }
        File.Copy(Path.Combine(SmallTokenizerFile), Path.Combine(directory, "tokenizer.json"), overwrite: true);
        if (chatTemplate)
        {
            File.WriteAllText(Path.Combine(directory, "tokenizer_config.json"),
                """{"chat_template": "{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}<|im_start|>assistant\n"}""");
        }
        return directory;
    }

    private static string SmallTokenizerFile => Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json");
}
