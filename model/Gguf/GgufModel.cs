using System.Text;
using System.Text.RegularExpressions;
using CodeGen.Model.Tokenization;

namespace CodeGen.Model.Gguf;

/// <summary>
/// A GGUF model file checked before llama.cpp sees it: a supported architecture (llama, qwen2), the hyperparameters
/// it needs, a vocabulary, and every tensor the architecture needs with the shape the hyperparameters imply. Gives
/// the <see cref="ModelConfig"/> those describe, the chat template, and for byte-level BPE ("gpt2") vocabularies our
/// own <see cref="BpeTokenizer"/> over the file's tokens and merges.
/// </summary>
public sealed class GgufModel
{
    /// <summary>llama.cpp token types (tokenizer.ggml.token_type).</summary>
    internal const int NormalToken = 1, UnknownToken = 2, ControlToken = 3, UserDefinedToken = 4, UnusedToken = 5, ByteToken = 6;

    private GgufModel(GgufFile file, string architecture, ModelConfig config, string tokenizerModel, BpeTokenizer? tokenizer)
    {
        File = file;
        Architecture = architecture;
        Config = config;
        TokenizerModel = tokenizerModel;
        Tokenizer = tokenizer;
        ChatTemplate = file.Get<string>("tokenizer.chat_template");
        FimPrefixId = (int?)file.GetInteger("tokenizer.ggml.fim_pre_token_id");
        FimSuffixId = (int?)file.GetInteger("tokenizer.ggml.fim_suf_token_id");
        FimMiddleId = (int?)file.GetInteger("tokenizer.ggml.fim_mid_token_id");
    }

    /// <summary>The file's header, metadata and tensor table.</summary>
    public GgufFile File { get; }

    /// <summary>general.architecture: llama or qwen2.</summary>
    public string Architecture { get; }

    /// <summary>The hyperparameters as a Hugging Face config would state them.</summary>
    public ModelConfig Config { get; }

    /// <summary>tokenizer.ggml.model: "gpt2" (byte-level BPE) or "llama" (SentencePiece).</summary>
    public string TokenizerModel { get; }

    /// <summary>Our tokenizer over the file's vocabulary (byte-level BPE only; null for SentencePiece vocabularies).</summary>
    public BpeTokenizer? Tokenizer { get; }

    /// <summary>tokenizer.chat_template, if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>FIM prefix token from the metadata, if stated.</summary>
    public int? FimPrefixId { get; }

    /// <summary>FIM suffix token from the metadata, if stated.</summary>
    public int? FimSuffixId { get; }

    /// <summary>FIM middle token from the metadata, if stated.</summary>
    public int? FimMiddleId { get; }

    /// <summary>The GGUF file <paramref name="path"/> names: the file itself, or the one .gguf file in a directory.</summary>
    /// <exception cref="ModelLoadException">A directory with no or several .gguf files.</exception>
    public static string ResolvePath(string path)
    {
        if (!Directory.Exists(path)) return path;
        string[] files = Directory.GetFiles(path, "*.gguf");
        return files.Length switch
        {
            1 => files[0],
            0 => throw new ModelLoadException($"{path} holds no .gguf file"),
            _ => throw new ModelLoadException($"{path} holds {files.Length} .gguf files ({string.Join(", ", files.Select(System.IO.Path.GetFileName).Order(StringComparer.Ordinal))}); pass one with --model FILE.gguf"),
        };
    }

    /// <summary>Whether <paramref name="path"/> is a .gguf file or a directory holding one (and no config.json).</summary>
    public static bool IsGguf(string path) =>
        (System.IO.File.Exists(path) && path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        || (Directory.Exists(path) && !System.IO.File.Exists(System.IO.Path.Combine(path, "config.json")) && Directory.GetFiles(path, "*.gguf").Length > 0);

    /// <summary>Reads and checks <paramref name="path"/> (a .gguf file or a directory holding one).</summary>
    /// <exception cref="ModelLoadException">What is wrong, naming the file: not GGUF, truncated, an unsupported architecture, a missing or misshapen tensor, no vocabulary.</exception>
    public static GgufModel Open(string path)
    {
        GgufFile file = GgufFile.Read(ResolvePath(path));
        string where = file.Path;
        string architecture = file.Get<string>("general.architecture")
            ?? throw GgufFile.Bad(where, "no general.architecture in the metadata");
        if (architecture is not ("llama" or "qwen2"))
            throw GgufFile.Bad(where, $"unsupported architecture '{architecture}' (supported: llama, qwen2)");
        string a = architecture;
        int hidden = RequiredInt(file, $"{a}.embedding_length");
        int layers = RequiredInt(file, $"{a}.block_count");
        int ffn = RequiredInt(file, $"{a}.feed_forward_length");
        int heads = RequiredInt(file, $"{a}.attention.head_count");
        int kvHeads = (int?)file.GetInteger($"{a}.attention.head_count_kv") ?? heads;
        if (heads <= 0 || kvHeads <= 0 || heads % kvHeads != 0)
            throw GgufFile.Bad(where, $"{a}.attention.head_count {heads} is not a positive multiple of head_count_kv {kvHeads}");
        int headDim = (int?)file.GetInteger($"{a}.attention.key_length") ?? hidden / heads;
        int context = (int?)file.GetInteger($"{a}.context_length") ?? throw GgufFile.Bad(where, $"no {a}.context_length in the metadata");
        double eps = file.GetFloat($"{a}.attention.layer_norm_rms_epsilon") ?? throw GgufFile.Bad(where, $"no {a}.attention.layer_norm_rms_epsilon in the metadata");
        double theta = file.GetFloat($"{a}.rope.freq_base") ?? 10000.0;

        string tokenizerModel = file.Get<string>("tokenizer.ggml.model")
            ?? throw GgufFile.Bad(where, "has no vocabulary (no tokenizer.ggml.model in the metadata)");
        string[] tokens = file.Get<string[]>("tokenizer.ggml.tokens") is { Length: > 0 } t
            ? t
            : throw GgufFile.Bad(where, "has no vocabulary (tokenizer.ggml.tokens is missing or empty)");
        if (tokenizerModel is not ("gpt2" or "llama"))
            throw GgufFile.Bad(where, $"tokenizer.ggml.model '{tokenizerModel}' is not supported (gpt2, llama)");
        int vocab = tokens.Length;

        GgufTensorInfo embedding = Tensor(file, "token_embd.weight", [hidden, vocab]);
        _ = embedding;
        Tensor(file, "output_norm.weight", [hidden]);
        bool tied = !file.TensorsByName.ContainsKey("output.weight");
        if (!tied) Tensor(file, "output.weight", [hidden, vocab]);
        bool bias = architecture == "qwen2" || file.TensorsByName.ContainsKey("blk.0.attn_q.bias");
        for (int i = 0; i < layers; i++)
        {
            string b = $"blk.{i}.";
            Tensor(file, b + "attn_norm.weight", [hidden]);
            Tensor(file, b + "attn_q.weight", [hidden, heads * headDim]);
            Tensor(file, b + "attn_k.weight", [hidden, kvHeads * headDim]);
            Tensor(file, b + "attn_v.weight", [hidden, kvHeads * headDim]);
            Tensor(file, b + "attn_output.weight", [heads * headDim, hidden]);
            if (bias)
            {
                Tensor(file, b + "attn_q.bias", [heads * headDim]);
                Tensor(file, b + "attn_k.bias", [kvHeads * headDim]);
                Tensor(file, b + "attn_v.bias", [kvHeads * headDim]);
            }
            Tensor(file, b + "ffn_norm.weight", [hidden]);
            Tensor(file, b + "ffn_gate.weight", [hidden, ffn]);
            Tensor(file, b + "ffn_up.weight", [hidden, ffn]);
            Tensor(file, b + "ffn_down.weight", [ffn, hidden]);
        }

        RopeScaling? scaling = null;
        if (file.Get<string>($"{a}.rope.scaling.type") is "linear" && file.GetFloat($"{a}.rope.scaling.factor") is double factor and > 1)
            scaling = new RopeScaling("linear", factor, null);
        var config = new ModelConfig
        {
            ModelType = architecture,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = ffn,
            NumHiddenLayers = layers,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            MaxPositionEmbeddings = context,
            RmsNormEps = eps,
            RopeTheta = theta,
            RopeScaling = scaling,
            TieWordEmbeddings = tied,
            AttentionBias = bias,
            BosTokenId = (int?)file.GetInteger("tokenizer.ggml.bos_token_id"),
            EosTokenIds = file.GetInteger("tokenizer.ggml.eos_token_id") is long eos ? [(int)eos] : [],
        };
        BpeTokenizer? tokenizer = tokenizerModel == "gpt2" ? ByteLevelTokenizer(file, tokens) : null;
        return new GgufModel(file, architecture, config, tokenizerModel, tokenizer);
    }

    private static int RequiredInt(GgufFile file, string key) =>
        (int?)file.GetInteger(key) ?? throw GgufFile.Bad(file.Path, $"no {key} in the metadata");

    private static GgufTensorInfo Tensor(GgufFile file, string name, long[] expected)
    {
        if (!file.TensorsByName.TryGetValue(name, out GgufTensorInfo? info))
            throw GgufFile.Bad(file.Path, $"tensor '{name}' is missing");
        if (!info.Dimensions.SequenceEqual(expected))
            throw GgufFile.Bad(file.Path, $"tensor '{name}' has shape {info.Shape}, expected [{string.Join(", ", expected)}] from the metadata");
        return info;
    }

    private static BpeTokenizer ByteLevelTokenizer(GgufFile file, string[] tokens)
    {
        string[] merges = file.Get<string[]>("tokenizer.ggml.merges")
            ?? throw GgufFile.Bad(file.Path, "a gpt2 vocabulary without tokenizer.ggml.merges");
        int[] types = file.Get<int[]>("tokenizer.ggml.token_type") ?? [.. Enumerable.Repeat(NormalToken, tokens.Length)];
        if (types.Length != tokens.Length)
            throw GgufFile.Bad(file.Path, $"tokenizer.ggml.token_type has {types.Length} entries for {tokens.Length} tokens");
        string pre = file.Get<string>("tokenizer.ggml.pre") ?? "default";
        string pattern = pre switch
        {
            "qwen2" => PreTokenizerPatterns.Qwen2,
            "gpt-2" or "default" => PreTokenizerPatterns.Gpt2,
            _ => throw GgufFile.Bad(file.Path, $"tokenizer.ggml.pre '{pre}' is not supported by this server's tokenizer (qwen2, gpt-2)"),
        };
        var vocab = new Dictionary<string, int>(tokens.Length, StringComparer.Ordinal);
        var added = new List<AddedToken>();
        for (int id = 0; id < tokens.Length; id++)
        {
            if (types[id] is ControlToken or UserDefinedToken) added.Add(new AddedToken(id, tokens[id], Special: types[id] == ControlToken));
            else vocab.TryAdd(tokens[id], id);
        }
        var pairs = new List<(string, string)>(merges.Length);
        foreach (string merge in merges)
        {
            int space = merge.IndexOf(' ', 1);
            if (space < 0) throw GgufFile.Bad(file.Path, $"tokenizer.ggml.merges entry '{merge}' is not 'left right'");
            pairs.Add((merge[..space], merge[(space + 1)..]));
        }
        var definition = new TokenizerDefinition(vocab, pairs, added, [], [new PreTokenizerStep(new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant), addPrefixSpace: false)], IgnoreMerges: false);
        try
        {
            return BpeTokenizer.FromDefinition(definition, file.Path);
        }
        catch (Exception e) when (e is InvalidDataException or NotSupportedException)
        {
            throw GgufFile.Bad(file.Path, $"its vocabulary is not a byte-level BPE one: {e.Message}");
        }
    }

    /// <summary>UTF-8 of a SentencePiece piece as text ("▁" is a space, "&lt;0xAB&gt;" a byte).</summary>
    internal static byte[] PieceBytes(string piece) =>
        piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>'
            ? [Convert.ToByte(piece[3..5], 16)]
            : Encoding.UTF8.GetBytes(piece.Replace('\u2581', ' '));
}
