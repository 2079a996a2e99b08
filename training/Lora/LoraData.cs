using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model.Tokenization;
using CodeGen.Training.Data;

namespace CodeGen.Training.Lora;

/// <summary>
/// The examples of a fine-tuning run, tokenized with the base model's tokenizer and split into training and held-out
/// sets. A directory is a code repository: it goes through the corpus builder (quality filters, exact and near dedup,
/// secrets redaction; no license filter, since it is the user's own code), is split by file (the files with the
/// smallest SHA-256 of their path are held out, so the split does not depend on the order files are read in), the
/// training files get fill-in-the-middle at the shards' rate, and each side is packed into sequences of seq-len + 1
/// ids separated by &lt;|endoftext|&gt; (consecutive sequences share one token, as shards do). A .jsonl file holds
/// {"prompt": ..., "completion": ...} pairs: one example each, the loss on the completion only, split by line the
/// same way.
/// </summary>
internal sealed class LoraData
{
    private LoraData(IReadOnlyList<LoraExample> train, IReadOnlyList<LoraExample> validation, string description)
    {
        Train = train;
        Validation = validation;
        Description = description;
        Sha256 = Hash(train, validation);
    }

    public IReadOnlyList<LoraExample> Train { get; }

    public IReadOnlyList<LoraExample> Validation { get; }

    /// <summary>What was read, for the log and run.json.</summary>
    public string Description { get; }

    /// <summary>Hash of every example's ids and first target: a resumed run must see the same data.</summary>
    public string Sha256 { get; }

    /// <summary>Examples made elsewhere (tests, benchmarks).</summary>
    public static LoraData FromExamples(IReadOnlyList<LoraExample> train, IReadOnlyList<LoraExample> validation, string description) =>
        new(train, validation, description);

    /// <summary>Reads <see cref="LoraOptions.Data"/>.</summary>
    /// <exception cref="ArgumentException">The path is neither a directory nor a .jsonl file.</exception>
    /// <exception cref="InvalidDataException">A malformed JSONL line (file and line named), or no training examples.</exception>
    public static LoraData Load(LoraOptions options, BpeTokenizer tokenizer, Action<string>? log = null)
    {
        LoraData data;
        if (Directory.Exists(options.Data)) data = FromRepository(options, tokenizer, log);
        else if (File.Exists(options.Data) && options.Data.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) data = FromJsonl(options, tokenizer);
        else if (File.Exists(options.Data)) throw new ArgumentException($"--data {options.Data}: expected a directory (a code repository) or a .jsonl file of prompt/completion pairs");
        else throw new ArgumentException($"--data {options.Data}: no such file or directory");
        if (data.Train.Count == 0) throw new InvalidDataException($"--data {options.Data}: no training examples ({data.Description})");
        return data;
    }

    /// <summary>Indices of the items held out: the ceiling of fraction · count with the smallest SHA-256 of their key (none when fraction is 0, never all).</summary>
    public static HashSet<int> HeldOut(IReadOnlyList<string> keys, double fraction)
    {
        int count = fraction <= 0 || keys.Count < 2 ? 0 : Math.Min(keys.Count - 1, (int)Math.Ceiling(fraction * keys.Count));
        return [.. keys.Select((key, i) => (Hash: Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))), Index: i))
            .OrderBy(k => k.Hash, StringComparer.Ordinal).Take(count).Select(k => k.Index)];
    }

    private static LoraData FromRepository(LoraOptions options, BpeTokenizer tokenizer, Action<string>? log)
    {
        var corpus = new CorpusOptions { Inputs = [options.Data], Extensions = options.Extensions, Excludes = options.Excludes, PermissiveOnly = false };
        CorpusResult result = CorpusBuilder.Build(corpus, log);
        IReadOnlyList<CorpusDocument> documents = result.Documents;
        HashSet<int> heldOut = HeldOut([.. documents.Select(d => d.Path)], options.ValidationFraction);
        int eot = tokenizer.EndOfTextId ?? throw new InvalidDataException($"{options.Base}/tokenizer.json has no <|endoftext|> token");
        IReadOnlyList<int> Encode(string text) => tokenizer.Encode(text, parseSpecialTokens: false);

        FimTransform? fim = null;
        FimTransform.Markers? markers = null;
        if (options.FimRate > 0)
        {
            if (tokenizer.FimPrefixId is not int prefix || tokenizer.FimMiddleId is not int middle || tokenizer.FimSuffixId is not int suffix)
                throw new ArgumentException($"--fim-rate {options.FimRate}: {options.Base}/tokenizer.json has no <|fim_prefix|>, <|fim_middle|> and <|fim_suffix|> tokens (give --fim-rate 0)");
            markers = new FimTransform.Markers(prefix, middle, suffix);
            fim = new FimTransform(options.FimRate, options.FimSpmRate, new Random(options.Seed));
        }

        var trainStream = new List<int>();
        var validationStream = new List<int>();
        for (int i = 0; i < documents.Count; i++)
        {
            string text = documents[i].Text;
            if (heldOut.Contains(i))
            {
                validationStream.AddRange(Encode(text)); // held-out code as written: no FIM
                validationStream.Add(eot);
            }
            else
            {
                trainStream.AddRange(fim is null ? Encode(text) : fim.Apply(text, Encode, markers!));
                trainStream.Add(eot);
            }
        }
        string description = $"repository {options.Data}: {documents.Count} files after the corpus filters ({documents.Count - heldOut.Count} train, {heldOut.Count} held out), "
            + $"{trainStream.Count:N0} train and {validationStream.Count:N0} held-out tokens";
        return new LoraData(Pack(trainStream, options.SeqLen), Pack(validationStream, options.SeqLen), description);
    }

    // Sequences of SeqLen + 1 ids; each after the first starts with the last id of the one before (every token is a target once).
    private static List<LoraExample> Pack(List<int> stream, int seqLen)
    {
        var examples = new List<LoraExample>();
        for (int start = 0; start + 1 < stream.Count; start += seqLen)
        {
            int length = Math.Min(seqLen + 1, stream.Count - start);
            examples.Add(new LoraExample([.. stream.GetRange(start, length)], FirstTarget: 1));
        }
        return examples;
    }

    private static LoraData FromJsonl(LoraOptions options, BpeTokenizer tokenizer)
    {
        int eot = tokenizer.EndOfTextId ?? throw new InvalidDataException($"{options.Base}/tokenizer.json has no <|endoftext|> token");
        var examples = new List<LoraExample>();
        var keys = new List<string>();
        int lineNumber = 0, truncated = 0;
        foreach (string line in File.ReadLines(options.Data))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            (string prompt, string completion) = ParsePair(line, options.Data, lineNumber);
            int[] promptIds = [.. tokenizer.Encode(prompt, parseSpecialTokens: false)];
            int[] completionIds = [.. tokenizer.Encode(completion, parseSpecialTokens: false), eot];
            int limit = options.SeqLen + 1;
            if (promptIds.Length + completionIds.Length > limit)
            {
                truncated++;
                // Keep the end of the prompt (the context nearest the completion), then cut the completion if it alone is too long.
                int keepPrompt = Math.Max(1, limit - completionIds.Length);
                promptIds = promptIds.Length > keepPrompt ? promptIds[^keepPrompt..] : promptIds;
                if (promptIds.Length + completionIds.Length > limit) completionIds = completionIds[..(limit - promptIds.Length)];
            }
            int[] ids = [.. promptIds, .. completionIds];
            examples.Add(new LoraExample(ids, FirstTarget: Math.Max(1, promptIds.Length)));
            keys.Add($"{lineNumber}\n{line}");
        }
        HashSet<int> heldOut = HeldOut(keys, options.ValidationFraction);
        List<LoraExample> train = [.. examples.Where((_, i) => !heldOut.Contains(i))];
        List<LoraExample> validation = [.. examples.Where((_, i) => heldOut.Contains(i))];
        string description = $"{options.Data}: {examples.Count} prompt/completion pairs ({train.Count} train, {validation.Count} held out"
            + (truncated > 0 ? $"; {truncated} cut to {options.SeqLen + 1} tokens" : "") + ")";
        return new LoraData(train, validation, description);
    }

    private static (string Prompt, string Completion) ParsePair(string line, string path, int lineNumber)
    {
        JsonObject? root;
        try
        {
            root = JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}:{lineNumber}: not valid JSON: {e.Message}", e);
        }
        if (root is null) throw new InvalidDataException($"{path}:{lineNumber}: expected an object {{\"prompt\": ..., \"completion\": ...}}");
        string Field(string name) => root[name] is JsonValue value && value.TryGetValue(out string? text)
            ? text
            : throw new InvalidDataException($"{path}:{lineNumber}: \"{name}\" must be a string");
        return (Field("prompt"), Field("completion"));
    }

    private static string Hash(IReadOnlyList<LoraExample> train, IReadOnlyList<LoraExample> validation)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (IReadOnlyList<LoraExample> set in new[] { train, validation })
        {
            hash.AppendData(BitConverter.GetBytes(set.Count));
            foreach (LoraExample example in set)
            {
                hash.AppendData(BitConverter.GetBytes(example.FirstTarget));
                hash.AppendData(BitConverter.GetBytes(example.Ids.Length));
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(example.Ids.AsSpan()));
            }
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
