using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeGen.Model;

/// <summary>
/// What the weights are: the architecture hyper-parameters of a Llama- or Qwen2-family model, read from a
/// Hugging Face config.json. Immutable; how the model is run (device, dtype) lives elsewhere.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Model family: "llama" or "qwen2" (config.json "model_type").</summary>
    public required string ModelType { get; init; }

    /// <summary>Number of token ids the embedding and lm_head cover.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream (d_model).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the SwiGLU hidden layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of decoder layers.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Number of query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Number of key/value heads (GQA); equals NumAttentionHeads for plain multi-head attention.</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Width of one attention head; HiddenSize / NumAttentionHeads unless config.json says otherwise.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Longest context the model was trained for.</summary>
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>Epsilon inside RMSNorm's square root.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RoPE base frequency.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary>RoPE scaling (linear or dynamic NTK), or null for none.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Whether lm_head shares the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections have a bias (true for Qwen2).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Whether o_proj has a bias (Llama's attention_bias covers it; Qwen2 never has one).</summary>
    public bool OutputBias { get; init; }

    /// <summary>Whether the MLP projections have a bias (Llama mlp_bias).</summary>
    public bool MlpBias { get; init; }

    /// <summary>Beginning-of-sequence token id, if any.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token ids (config.json allows one or a list).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>The dtype the checkpoint was saved in ("float32", "bfloat16", ...), if stated.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Query heads that share one key/value head.</summary>
    public int GroupSize => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Value equality, comparing <see cref="EosTokenIds"/> element by element.</summary>
    public bool Equals(ModelConfig? other) =>
        other is not null && EqualityContract == other.EqualityContract
        && (ModelType, VocabSize, HiddenSize, IntermediateSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, HeadDim)
            == (other.ModelType, other.VocabSize, other.HiddenSize, other.IntermediateSize, other.NumHiddenLayers, other.NumAttentionHeads, other.NumKeyValueHeads, other.HeadDim)
        && (MaxPositionEmbeddings, RmsNormEps, RopeTheta, RopeScaling, TieWordEmbeddings, AttentionBias, OutputBias, MlpBias, BosTokenId, TorchDtype)
            == (other.MaxPositionEmbeddings, other.RmsNormEps, other.RopeTheta, other.RopeScaling, other.TieWordEmbeddings, other.AttentionBias, other.OutputBias, other.MlpBias, other.BosTokenId, other.TorchDtype)
        && EosTokenIds.SequenceEqual(other.EosTokenIds);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ModelType, VocabSize, HiddenSize, NumHiddenLayers, NumAttentionHeads, NumKeyValueHeads, RopeTheta);

    /// <summary>Reads config.json from a model directory (or the file itself).</summary>
    /// <exception cref="ModelLoadException">The file is missing, is not JSON, or describes an unsupported model.</exception>
    public static ModelConfig Load(string pathOrDirectory)
    {
        string path = Directory.Exists(pathOrDirectory) ? Path.Combine(pathOrDirectory, "config.json") : pathOrDirectory;
        if (!File.Exists(path))
            throw new ModelLoadException($"Model config not found: {path} (a Hugging Face model directory has a config.json)");
        try
        {
            return Parse(File.ReadAllText(path), path);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in error messages.</summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        JsonObject root = JsonNode.Parse(json) as JsonObject
            ?? throw new ModelLoadException($"{source}: expected a JSON object");
        string modelType = ((string?)root["model_type"] ?? "").ToLowerInvariant();
        string architecture = (root["architectures"] as JsonArray)?.FirstOrDefault()?.GetValue<string>() ?? "";
        if (modelType is not ("llama" or "qwen2"))
        {
            throw new ModelLoadException(
                $"{source}: unsupported architecture model_type='{modelType}' architectures=['{architecture}']; supported: llama (LlamaForCausalLM), qwen2 (Qwen2ForCausalLM)");
        }

        int hidden = Required(root, "hidden_size", source);
        int heads = Required(root, "num_attention_heads", source);
        int kvHeads = (int?)root["num_key_value_heads"] ?? heads;
        if (hidden % heads != 0 && root["head_dim"] is null)
            throw new ModelLoadException($"{source}: hidden_size {hidden} is not divisible by num_attention_heads {heads}");
        if (heads % kvHeads != 0)
            throw new ModelLoadException($"{source}: num_attention_heads {heads} is not a multiple of num_key_value_heads {kvHeads}");
        bool llamaBias = (bool?)root["attention_bias"] ?? false;

        return new ModelConfig
        {
            ModelType = modelType,
            VocabSize = Required(root, "vocab_size", source),
            HiddenSize = hidden,
            IntermediateSize = Required(root, "intermediate_size", source),
            NumHiddenLayers = Required(root, "num_hidden_layers", source),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = (int?)root["head_dim"] ?? hidden / heads,
            MaxPositionEmbeddings = (int?)root["max_position_embeddings"] ?? 2048,
            RmsNormEps = (double?)root["rms_norm_eps"] ?? 1e-6,
            RopeTheta = (double?)root["rope_theta"] ?? 10000.0,
            RopeScaling = RopeScaling.Parse(root["rope_scaling"] as JsonObject, source),
            TieWordEmbeddings = (bool?)root["tie_word_embeddings"] ?? false,
            AttentionBias = modelType == "qwen2" || llamaBias,
            OutputBias = modelType == "llama" && llamaBias,
            MlpBias = (bool?)root["mlp_bias"] ?? false,
            BosTokenId = (int?)root["bos_token_id"],
            EosTokenIds = root["eos_token_id"] switch
            {
                JsonArray list => list.Select(n => (int)n!).ToArray(),
                JsonValue one => [(int)one],
                _ => [],
            },
            TorchDtype = (string?)root["torch_dtype"],
        };
    }

    /// <summary>Writes this config as a Hugging Face config.json.</summary>
    public string ToJson()
    {
        bool qwen = ModelType == "qwen2";
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray(qwen ? "Qwen2ForCausalLM" : "LlamaForCausalLM"),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["hidden_act"] = "silu",
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype ?? "float32",
        };
        if (HeadDim != HiddenSize / NumAttentionHeads) root["head_dim"] = HeadDim;
        if (!qwen && AttentionBias) root["attention_bias"] = true;
        if (MlpBias) root["mlp_bias"] = true;
        if (BosTokenId is int bos) root["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) root["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) root["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode)id).ToArray());
        if (RopeScaling is not null) root["rope_scaling"] = RopeScaling.ToJson();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int Required(JsonObject root, string key, string source) =>
        (int?)root[key] ?? throw new ModelLoadException($"{source}: missing required field '{key}'");
}
