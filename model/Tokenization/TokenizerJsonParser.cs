using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeGen.Model.Tokenization;

// Reads the byte-level BPE subset of the Hugging Face tokenizer.json format (GPT-2, Qwen2,
// StarCoder, DeepSeek-Coder). Microsoft.ML.Tokenizers has no reader for this format (it loads
// vocab.json + merges.txt pairs), so the JSON is read here and handed to it as a vocabulary and
// merge list. Anything that would change the token ids and is not implemented is rejected with
// a NotSupportedException rather than silently ignored.
internal static class TokenizerJsonParser
{
    private const RegexOptions PatternOptions = RegexOptions.Compiled | RegexOptions.CultureInvariant;

    // Parses json; source names it in error messages.
    public static TokenizerDefinition Parse(string json, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Tokenizer '{source}' is not valid JSON: {ex.Message}", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(source, "the top level is not a JSON object");
            }

            if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(source, "it has no 'model' object");
            }

            ValidateModel(model, source);
            List<PreTokenizerStep> preTokenizer = [];
            bool byteLevel = false;
            if (root.TryGetProperty("pre_tokenizer", out JsonElement preTokenizerElement))
            {
                ReadPreTokenizer(preTokenizerElement, source, preTokenizer, ref byteLevel);
            }

            if (!byteLevel)
            {
                throw new NotSupportedException(
                    $"Tokenizer '{source}' has no ByteLevel pre-tokenizer; only byte-level BPE tokenizers are supported.");
            }

            ValidateDecoder(root, source);

            return new TokenizerDefinition(
                ReadVocab(model, source),
                ReadMerges(model, source),
                ReadAddedTokens(root, source),
                ReadNormalizer(root, source),
                preTokenizer,
                model.TryGetProperty("ignore_merges", out JsonElement ignore) && ignore.ValueKind == JsonValueKind.True);
        }
    }

    private static void ValidateModel(JsonElement model, string source)
    {
        // Files written by tokenizers before 0.10 have no "type"; HF then recognises BPE by its merges.
        string? type = model.TryGetProperty("type", out _) ? StringOf(model, "type")
            : model.TryGetProperty("merges", out _) ? "BPE" : null;
        if (type != "BPE")
        {
            throw new NotSupportedException(
                $"Tokenizer '{source}' has model type '{type ?? "(none)"}'; only byte-level 'BPE' is supported.");
        }

        foreach (string affix in (string[])["continuing_subword_prefix", "end_of_word_suffix"])
        {
            if (model.TryGetProperty(affix, out JsonElement value) && value.ValueKind == JsonValueKind.String
                && value.GetString()!.Length > 0)
            {
                throw new NotSupportedException($"Tokenizer '{source}' sets model.{affix}, which byte-level BPE does not use.");
            }
        }

        if (model.TryGetProperty("byte_fallback", out JsonElement fallback) && fallback.ValueKind == JsonValueKind.True)
        {
            throw new NotSupportedException($"Tokenizer '{source}' sets model.byte_fallback (SentencePiece style), which is not supported.");
        }
    }

    private static Dictionary<string, int> ReadVocab(JsonElement model, string source)
    {
        if (!model.TryGetProperty("vocab", out JsonElement vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "model.vocab is missing or not an object");
        }

        Dictionary<string, int> vocab = new(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocabElement.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out int id) || id < 0)
            {
                throw Invalid(source, $"model.vocab['{entry.Name}'] is not a non-negative integer id");
            }

            vocab[entry.Name] = id;
        }

        return vocab;
    }

    private static List<(string Left, string Right)> ReadMerges(JsonElement model, string source)
    {
        List<(string, string)> merges = [];
        if (!model.TryGetProperty("merges", out JsonElement mergesElement) || mergesElement.ValueKind == JsonValueKind.Null)
        {
            return merges;
        }

        if (mergesElement.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, "model.merges is not an array");
        }

        int index = 0;
        foreach (JsonElement merge in mergesElement.EnumerateArray())
        {
            // Two spellings: "a b" (tokenizers < 0.20) and ["a", "b"] (tokenizers >= 0.20).
            if (merge.ValueKind == JsonValueKind.String)
            {
                string[] parts = merge.GetString()!.Split(' ');
                if (parts.Length != 2)
                {
                    throw Invalid(source, $"model.merges[{index}] '{merge.GetString()}' is not two tokens separated by one space");
                }

                merges.Add((parts[0], parts[1]));
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                merges.Add((merge[0].GetString()!, merge[1].GetString()!));
            }
            else
            {
                throw Invalid(source, $"model.merges[{index}] is neither \"a b\" nor [\"a\", \"b\"]");
            }

            index++;
        }

        return merges;
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root, string source)
    {
        List<AddedToken> tokens = [];
        if (!root.TryGetProperty("added_tokens", out JsonElement array) || array.ValueKind == JsonValueKind.Null)
        {
            return tokens;
        }

        if (array.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, "added_tokens is not an array");
        }

        // lstrip, rstrip and single_word are not implemented: the tokenizers this project targets
        // leave them false. "normalized" tokens are matched on the raw text like the others.
        int index = 0;
        foreach (JsonElement token in array.EnumerateArray())
        {
            if (token.ValueKind != JsonValueKind.Object
                || !token.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0
                || !token.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String
                || content.GetString()!.Length == 0)
            {
                throw Invalid(source, $"added_tokens[{index}] needs a non-negative 'id' and a non-empty 'content'");
            }

            bool special = token.TryGetProperty("special", out JsonElement specialElement) && specialElement.ValueKind == JsonValueKind.True;
            tokens.Add(new AddedToken(idValue, content.GetString()!, special));
            index++;
        }

        return tokens;
    }

    private static List<NormalizationForm> ReadNormalizer(JsonElement root, string source)
    {
        List<NormalizationForm> forms = [];
        if (root.TryGetProperty("normalizer", out JsonElement normalizer))
        {
            AddNormalizer(normalizer, source, forms);
        }

        return forms;
    }

    private static void AddNormalizer(JsonElement normalizer, string source, List<NormalizationForm> forms)
    {
        if (normalizer.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        string? type = TypeOf(normalizer);
        switch (type)
        {
            case "NFC": forms.Add(NormalizationForm.FormC); break;
            case "NFD": forms.Add(NormalizationForm.FormD); break;
            case "NFKC": forms.Add(NormalizationForm.FormKC); break;
            case "NFKD": forms.Add(NormalizationForm.FormKD); break;
            case "Sequence" when normalizer.TryGetProperty("normalizers", out JsonElement items) && items.ValueKind == JsonValueKind.Array:
                foreach (JsonElement item in items.EnumerateArray())
                {
                    AddNormalizer(item, source, forms);
                }

                break;
            default:
                throw new NotSupportedException($"Tokenizer '{source}' has normalizer '{type}'; only NFC, NFD, NFKC, NFKD and Sequence are supported.");
        }
    }

    private static void ReadPreTokenizer(JsonElement element, string source, List<PreTokenizerStep> steps, ref bool byteLevel)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        string? type = TypeOf(element);
        switch (type)
        {
            case "Sequence" when element.TryGetProperty("pretokenizers", out JsonElement items) && items.ValueKind == JsonValueKind.Array:
                foreach (JsonElement item in items.EnumerateArray())
                {
                    ReadPreTokenizer(item, source, steps, ref byteLevel);
                }

                break;
            case "ByteLevel":
                byteLevel = true;
                bool useRegex = !element.TryGetProperty("use_regex", out JsonElement useRegexElement) || useRegexElement.ValueKind != JsonValueKind.False;
                bool addPrefixSpace = element.TryGetProperty("add_prefix_space", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.True;
                steps.Add(new PreTokenizerStep(useRegex ? new Regex(PreTokenizerPatterns.Gpt2, PatternOptions) : null, addPrefixSpace));
                break;
            case "Split":
                steps.Add(new PreTokenizerStep(ReadSplitPattern(element, source), addPrefixSpace: false));
                break;
            case "Digits":
                bool individual = element.TryGetProperty("individual_digits", out JsonElement individualElement) && individualElement.ValueKind == JsonValueKind.True;
                steps.Add(new PreTokenizerStep(new Regex(individual ? @"\p{N}" : @"\p{N}+", PatternOptions), addPrefixSpace: false));
                break;
            default:
                throw new NotSupportedException($"Tokenizer '{source}' has pre-tokenizer '{type}'; only ByteLevel, Split, Digits and Sequence are supported.");
        }
    }

    private static Regex ReadSplitPattern(JsonElement split, string source)
    {
        string? behavior = StringOf(split, "behavior");
        bool invert = split.TryGetProperty("invert", out JsonElement invertElement) && invertElement.ValueKind == JsonValueKind.True;
        if (behavior != "Isolated" || invert)
        {
            throw new NotSupportedException($"Tokenizer '{source}' has a Split pre-tokenizer with behavior '{behavior}' (invert {invert}); only Isolated without invert is supported.");
        }

        if (!split.TryGetProperty("pattern", out JsonElement pattern) || pattern.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "a Split pre-tokenizer has no 'pattern' object");
        }

        // Hugging Face evaluates these with Oniguruma; .NET's engine accepts the patterns these
        // tokenizers use. One known difference: .NET classes characters by UTF-16 unit, so a
        // letter outside the BMP is not \p{L} here. It changes how such text splits, never the
        // round trip, because every character still lands in some piece.
        try
        {
            if (pattern.TryGetProperty("Regex", out JsonElement regex) && regex.ValueKind == JsonValueKind.String)
            {
                return new Regex(regex.GetString()!, PatternOptions);
            }

            if (pattern.TryGetProperty("String", out JsonElement literal) && literal.ValueKind == JsonValueKind.String)
            {
                return new Regex(Regex.Escape(literal.GetString()!), PatternOptions);
            }
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException($"Tokenizer '{source}' has a Split pattern .NET cannot compile: {ex.Message}", ex);
        }

        throw Invalid(source, "a Split pattern has neither 'Regex' nor 'String'");
    }

    private static void ValidateDecoder(JsonElement root, string source)
    {
        if (!root.TryGetProperty("decoder", out JsonElement decoder) || decoder.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        string? type = TypeOf(decoder);
        if (type != "ByteLevel")
        {
            throw new NotSupportedException($"Tokenizer '{source}' has decoder '{type}'; only ByteLevel is supported.");
        }
    }

    private static string? TypeOf(JsonElement element) => StringOf(element, "type");

    private static string? StringOf(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out JsonElement value)
            && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static InvalidDataException Invalid(string source, string problem) =>
        new($"Tokenizer '{source}' is not a valid tokenizer.json: {problem}.");
}
