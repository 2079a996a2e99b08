using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model.Tokenization;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Gguf;

/// <summary>
/// Converts a Hugging Face Llama or Qwen2 directory (config.json, safetensors, tokenizer.json) into a GGUF file of
/// float32 or float16 tensors as llama.cpp's convert_hf_to_gguf.py lays it out: llama.cpp's names, the metadata of
/// the architecture, the byte-level BPE vocabulary ("gpt2") with token types and merges, and for the llama
/// architecture the query and key rows permuted back from Hugging Face's rotate-half RoPE layout to the
/// interleaved pairs llama.cpp rotates. Quantized types are made from the float file by llama.cpp's quantizer.
/// </summary>
public static class GgufExporter
{
    /// <summary>Writes <paramref name="output"/> from the model in <paramref name="directory"/> with tensors of <paramref name="type"/> (F32 or F16; norms and biases stay F32).</summary>
    /// <exception cref="ModelLoadException">The directory's config, weights or tokenizer cannot be exported (named).</exception>
    /// <param name="directory">Hugging Face model directory.</param>
    /// <param name="output">The .gguf file.</param>
    /// <param name="type">Matrix type.</param>
    /// <param name="vocabulary">Writes the tokenizer metadata instead of the directory's tokenizer.json (a model without one, such as stories260K).</param>
    public static void Export(string directory, string output, GgufTensorType type, Action<GgufWriter>? vocabulary = null)
    {
        if (type is not (GgufTensorType.F32 or GgufTensorType.F16))
            throw new ArgumentException($"the exporter writes F32 or F16; {type} comes from llama.cpp's quantizer");
        ModelConfig config = ModelConfig.Load(directory);
        if (config.RopeScaling is { Type: not "linear" } scaling)
            throw new ModelLoadException($"{directory}: rope_scaling type '{scaling.Type}' has no llama.cpp equivalent (linear only)");
        if (config.MlpBias || config.OutputBias)
            throw new ModelLoadException($"{directory}: MLP or output-projection biases have no place in llama.cpp's {config.ModelType} graph");
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        if (vocabulary is null && !File.Exists(tokenizerPath)) throw new ModelLoadException($"{directory}: no tokenizer.json (a GGUF file carries its vocabulary)");
        string a = config.ModelType;
        var writer = new GgufWriter();
        writer.Add("general.architecture", a);
        writer.Add("general.name", Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))));
        writer.Add("general.file_type", type == GgufTensorType.F32 ? 0u : 1u);
        writer.Add($"{a}.context_length", (uint)config.MaxPositionEmbeddings);
        writer.Add($"{a}.embedding_length", (uint)config.HiddenSize);
        writer.Add($"{a}.block_count", (uint)config.NumHiddenLayers);
        writer.Add($"{a}.feed_forward_length", (uint)config.IntermediateSize);
        writer.Add($"{a}.attention.head_count", (uint)config.NumAttentionHeads);
        writer.Add($"{a}.attention.head_count_kv", (uint)config.NumKeyValueHeads);
        writer.Add($"{a}.attention.key_length", (uint)config.HeadDim);
        writer.Add($"{a}.attention.value_length", (uint)config.HeadDim);
        writer.Add($"{a}.attention.layer_norm_rms_epsilon", (float)config.RmsNormEps);
        writer.Add($"{a}.rope.freq_base", (float)config.RopeTheta);
        writer.Add($"{a}.rope.dimension_count", (uint)config.HeadDim);
        writer.Add($"{a}.vocab_size", (uint)config.VocabSize);
        if (config.RopeScaling is { } linear)
        {
            writer.Add($"{a}.rope.scaling.type", "linear");
            writer.Add($"{a}.rope.scaling.factor", (float)linear.Factor);
        }
        if (vocabulary is null) AddVocabulary(writer, config, tokenizerPath);
        else vocabulary(writer);
        string? template = ReadChatTemplate(Path.Combine(directory, "tokenizer_config.json"));
        if (template is not null) writer.Add("tokenizer.chat_template", template);

        using Checkpoint checkpoint = Checkpoint.Open(directory);
        bool permute = a == "llama"; // qwen2 is NEOX RoPE in llama.cpp: Hugging Face's layout as is
        void Add(string hfName, string ggufName, bool matrix, int permuteHeads = 0)
        {
            if (!checkpoint.Contains(hfName)) throw new ModelLoadException($"{directory}: tensor '{hfName}' is missing");
            long[] shape = checkpoint.Info(hfName).Shape;
            GgufTensorType tensorType = matrix ? type : GgufTensorType.F32;
            writer.AddTensor(ggufName, shape, tensorType, () =>
            {
                using IDisposable scope = NewDisposeScope();
                Tensor t = checkpoint.Load(hfName, float32);
                if (permuteHeads > 0) t = PermuteForInterleavedRope(t, permuteHeads);
                if (tensorType == GgufTensorType.F16) t = t.to(float16);
                t = t.contiguous();
                return t.bytes.ToArray();
            });
        }
        Add("model.embed_tokens.weight", "token_embd.weight", matrix: true);
        for (int i = 0; i < config.NumHiddenLayers; i++)
        {
            string hf = $"model.layers.{i}.", g = $"blk.{i}.";
            Add(hf + "input_layernorm.weight", g + "attn_norm.weight", matrix: false);
            Add(hf + "self_attn.q_proj.weight", g + "attn_q.weight", matrix: true, permute ? config.NumAttentionHeads : 0);
            Add(hf + "self_attn.k_proj.weight", g + "attn_k.weight", matrix: true, permute ? config.NumKeyValueHeads : 0);
            Add(hf + "self_attn.v_proj.weight", g + "attn_v.weight", matrix: true);
            if (config.AttentionBias)
            {
                Add(hf + "self_attn.q_proj.bias", g + "attn_q.bias", matrix: false, permute ? config.NumAttentionHeads : 0);
                Add(hf + "self_attn.k_proj.bias", g + "attn_k.bias", matrix: false, permute ? config.NumKeyValueHeads : 0);
                Add(hf + "self_attn.v_proj.bias", g + "attn_v.bias", matrix: false);
            }
            Add(hf + "self_attn.o_proj.weight", g + "attn_output.weight", matrix: true);
            Add(hf + "post_attention_layernorm.weight", g + "ffn_norm.weight", matrix: false);
            Add(hf + "mlp.gate_proj.weight", g + "ffn_gate.weight", matrix: true);
            Add(hf + "mlp.up_proj.weight", g + "ffn_up.weight", matrix: true);
            Add(hf + "mlp.down_proj.weight", g + "ffn_down.weight", matrix: true);
        }
        Add("model.norm.weight", "output_norm.weight", matrix: false);
        if (!config.TieWordEmbeddings) Add("lm_head.weight", "output.weight", matrix: true);
        writer.Write(output);
    }

    /// <summary>
    /// A made-up SentencePiece ("llama") vocabulary of <paramref name="size"/> ids for a model without a tokenizer
    /// (stories260K, random-weight benchmarks): &lt;unk&gt;, &lt;s&gt; (1), &lt;/s&gt; (2), the 256 byte tokens, then word
    /// pieces. Such a model is driven by token ids only.
    /// </summary>
    public static Action<GgufWriter> SyntheticSentencePieceVocabulary(int size) => writer =>
    {
        var tokens = new List<string>(size) { "<unk>", "<s>", "</s>" };
        var types = new List<int>(size) { GgufModel.UnknownToken, GgufModel.ControlToken, GgufModel.ControlToken };
        for (int b = 0; b < 256; b++) { tokens.Add($"<0x{b:X2}>"); types.Add(GgufModel.ByteToken); }
        const string letters = "abcdefghijklmnopqrstuvwxyz";
        for (int i = 0; tokens.Count < size; i++)
        {
            tokens.Add(i < 26 ? "\u2581" + letters[i] : i < 26 * 27 ? "\u2581" + letters[i % 26] + letters[i / 26 % 26] : $"\u2581w{i}");
            types.Add(GgufModel.NormalToken);
        }
        writer.Add("tokenizer.ggml.model", "llama");
        writer.Add("tokenizer.ggml.tokens", tokens.ToArray());
        writer.Add("tokenizer.ggml.scores", tokens.Select((_, i) => -(float)i).ToArray());
        writer.Add("tokenizer.ggml.token_type", types.ToArray());
        writer.Add("tokenizer.ggml.bos_token_id", 1u);
        writer.Add("tokenizer.ggml.eos_token_id", 2u);
        writer.Add("tokenizer.ggml.unknown_token_id", 0u);
    };

    /// <summary>
    /// Hugging Face's rotate-half rows of one projection (each head's first half, then its second half) back to the
    /// interleaved pairs (x0, x1), (x2, x3), ... that llama.cpp's llama architecture rotates: convert_hf_to_gguf's permute.
    /// </summary>
    internal static Tensor PermuteForInterleavedRope(Tensor rows, int heads)
    {
        long[] shape = rows.shape;
        long headDim = shape[0] / heads;
        long[] split = shape.Length == 1 ? [heads, 2, headDim / 2] : [heads, 2, headDim / 2, shape[1]]; // (H, 2, D/2[, in])
        return rows.reshape(split).transpose(1, 2).reshape(shape); // (H, D/2, 2[, in]) -> (out[, in])
    }

    private static void AddVocabulary(GgufWriter writer, ModelConfig config, string tokenizerPath)
    {
        string json = File.ReadAllText(tokenizerPath);
        TokenizerDefinition definition = TokenizerJsonParser.Parse(json, tokenizerPath);
        int size = Math.Max(config.VocabSize, definition.Vocab.Values.Concat(definition.AddedTokens.Select(t => t.Id)).Max() + 1);
        if (size != config.VocabSize)
            throw new ModelLoadException($"{tokenizerPath}: ids reach {size - 1}, beyond config.json's vocab_size {config.VocabSize}");
        var tokens = new string?[size];
        var types = new int[size];
        foreach ((string token, int id) in definition.Vocab) { tokens[id] = token; types[id] = GgufModel.NormalToken; }
        foreach (AddedToken t in definition.AddedTokens) { tokens[t.Id] = t.Content; types[t.Id] = t.Special ? GgufModel.ControlToken : GgufModel.UserDefinedToken; }
        for (int id = 0; id < size; id++)
        {
            if (tokens[id] is null) { tokens[id] = $"[PAD{id}]"; types[id] = GgufModel.UnusedToken; } // the model's padding rows, as the converter names them
        }
        writer.Add("tokenizer.ggml.model", "gpt2");
        writer.Add("tokenizer.ggml.pre", PreTokenizerName(json, tokenizerPath));
        writer.Add("tokenizer.ggml.tokens", tokens!);
        writer.Add("tokenizer.ggml.token_type", types);
        writer.Add("tokenizer.ggml.merges", [.. definition.Merges.Select(m => $"{m.Left} {m.Right}")]);
        int? endOfText = definition.AddedTokens.FirstOrDefault(t => t.Content == "<|endoftext|>")?.Id;
        if ((config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : endOfText) is int eos) writer.Add("tokenizer.ggml.eos_token_id", (uint)eos);
        if ((config.BosTokenId ?? endOfText) is int bos) writer.Add("tokenizer.ggml.bos_token_id", (uint)bos);
        writer.Add("tokenizer.ggml.add_bos_token", false);
        foreach ((string content, string key) in new[] { ("<|fim_prefix|>", "fim_pre"), ("<|fim_suffix|>", "fim_suf"), ("<|fim_middle|>", "fim_mid"), ("<|fim_pad|>", "fim_pad"), ("<|file_sep|>", "fim_sep") })
        {
            if (definition.AddedTokens.FirstOrDefault(t => t.Content == content) is { } fim) writer.Add($"tokenizer.ggml.{key}_token_id", (uint)fim.Id);
        }
    }

    /// <summary>llama.cpp's name for the tokenizer's pre-tokenizer regex: qwen2 (Qwen2's Split) or gpt-2 (ByteLevel's own regex).</summary>
    private static string PreTokenizerName(string json, string source)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        var steps = new List<JsonElement>();
        if (document.RootElement.TryGetProperty("pre_tokenizer", out JsonElement pre) && pre.ValueKind == JsonValueKind.Object)
        {
            if (pre.TryGetProperty("pretokenizers", out JsonElement list)) steps.AddRange(list.EnumerateArray());
            else steps.Add(pre);
        }
        foreach (JsonElement step in steps)
        {
            string? kind = step.TryGetProperty("type", out JsonElement t) ? t.GetString() : null;
            if (kind == "Split" && step.TryGetProperty("pattern", out JsonElement p) && p.TryGetProperty("Regex", out JsonElement r)
                && r.GetString() == PreTokenizerPatterns.Qwen2) return "qwen2";
            if (kind == "ByteLevel" && step.TryGetProperty("use_regex", out JsonElement u) && u.ValueKind == JsonValueKind.True && steps.Count == 1) return "gpt-2";
        }
        throw new ModelLoadException($"{source}: its pre-tokenizer is neither Qwen2's Split nor GPT-2's ByteLevel regex, which llama.cpp would not reproduce");
    }

    private static string? ReadChatTemplate(string path) =>
        File.Exists(path) ? (string?)(JsonNode.Parse(File.ReadAllText(path)) as JsonObject)?["chat_template"] : null;

}
