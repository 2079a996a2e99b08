using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CodeGen.Model.Tokenization;

namespace CodeGen.Training.Tokenizers;

// Writes a TrainedBpe as a Hugging Face tokenizer.json laid out like Qwen2's:
// no normalizer, pre-tokenizer Sequence[Split(Qwen2 pattern, Isolated), ByteLevel(use_regex
// false)], ByteLevel decoder, merges as [left, right] arrays (tokenizers 0.20 and later), and
// the special tokens as added tokens only (not in model.vocab). The output is byte-for-byte a
// function of the input.
internal static class TokenizerJsonWriter
{
    // Writes bpe to path, creating its directory.
    public static void WriteFile(TrainedBpe bpe, string path)
    {
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        File.WriteAllBytes(path, Write(bpe));
    }

    // The UTF-8 text of the tokenizer.json for bpe.
    public static byte[] Write(TrainedBpe bpe)
    {
        ArgumentNullException.ThrowIfNull(bpe);
        using MemoryStream stream = new();
        using (Utf8JsonWriter json = new(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, NewLine = "\n" }))
        {
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            WriteAddedTokens(json, bpe);
            json.WriteNull("normalizer");
            WritePreTokenizer(json);
            json.WriteNull("post_processor");
            json.WriteStartObject("decoder");
            WriteByteLevelFields(json);
            json.WriteEndObject();
            WriteModel(json, bpe);
            json.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }

    private static void WriteAddedTokens(Utf8JsonWriter json, TrainedBpe bpe)
    {
        json.WriteStartArray("added_tokens");
        for (int i = 0; i < bpe.SpecialTokens.Count; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("id", bpe.SpecialTokenId(i));
            json.WriteString("content", bpe.SpecialTokens[i]);
            json.WriteBoolean("single_word", false);
            json.WriteBoolean("lstrip", false);
            json.WriteBoolean("rstrip", false);
            json.WriteBoolean("normalized", false);
            json.WriteBoolean("special", true);
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WritePreTokenizer(Utf8JsonWriter json)
    {
        json.WriteStartObject("pre_tokenizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("pretokenizers");
        json.WriteStartObject();
        json.WriteString("type", "Split");
        json.WriteStartObject("pattern");
        json.WriteString("Regex", PreTokenizerPatterns.Qwen2);
        json.WriteEndObject();
        json.WriteString("behavior", "Isolated");
        json.WriteBoolean("invert", false);
        json.WriteEndObject();
        json.WriteStartObject();
        WriteByteLevelFields(json);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteByteLevelFields(Utf8JsonWriter json)
    {
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", false);
        json.WriteBoolean("trim_offsets", false);
        json.WriteBoolean("use_regex", false);
    }

    private static void WriteModel(Utf8JsonWriter json, TrainedBpe bpe)
    {
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        json.WriteNull("unk_token");
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", false);
        json.WriteBoolean("byte_fallback", false);
        json.WriteBoolean("ignore_merges", false);

        string[] symbols = [.. bpe.Tokens.Select(bytes => ByteLevelAlphabet.Encode(bytes))];
        json.WriteStartObject("vocab");
        for (int id = 0; id < symbols.Length; id++)
        {
            json.WriteNumber(symbols[id], id);
        }

        json.WriteEndObject();

        json.WriteStartArray("merges");
        foreach ((int left, int right) in bpe.Merges)
        {
            json.WriteStartArray();
            json.WriteStringValue(symbols[left]);
            json.WriteStringValue(symbols[right]);
            json.WriteEndArray();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
