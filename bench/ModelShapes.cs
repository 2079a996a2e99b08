using CodeGen.Model;

namespace CodeGen.Bench;

/// <summary>Qwen2.5-Coder configurations used for random-weight benchmarks.</summary>
internal static class ModelShapes
{
    public static ModelConfig Get(string name) => name.ToLowerInvariant() switch
    {
        "0.5b" => Qwen(896, 4864, 24, 14, 2),
        "1.5b" => Qwen(1536, 8960, 28, 12, 2),
        "tiny" => Qwen(256, 688, 6, 8, 4) with { ModelType = "llama", VocabSize = 8192, MaxPositionEmbeddings = 2048, AttentionBias = false }, // the bundled model's shape before issue 16 (SwiGLU 688, θ 10,000; kept so the rows of docs/BENCHMARKS.md stay comparable)
        _ => throw new ArgumentException($"unknown shape '{name}' (expected 0.5b, 1.5b or tiny)"),
    };

    private static ModelConfig Qwen(int hidden, int ffn, int layers, int heads, int kvHeads) => new()
    {
        ModelType = "qwen2",
        VocabSize = 151936,
        HiddenSize = hidden,
        IntermediateSize = ffn,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = hidden / heads,
        MaxPositionEmbeddings = 32768,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000,
        TieWordEmbeddings = true,
        AttentionBias = true,
    };
}
