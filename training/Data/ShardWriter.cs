using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model.Tokenization;

namespace CodeGen.Training.Data;

/// <summary>
/// Tokenises corpus documents (with FIM at the configured rate), separates them with &lt;|endoftext|&gt;,
/// packs the stream into sequences of SeqLen + 1 ids (consecutive sequences share one token so every
/// token is a target once), and writes shards, shards.json and manifest.json. The manifest lists every
/// input document's hash and every shard's hash; its own hash goes into shards.json and each training run.
/// </summary>
internal static class ShardWriter
{
    public const string ManifestFileName = "manifest.json";

    public sealed record Options(int SeqLen, double FimRate, double FimSpmRate, double ValidationFraction, int Seed, long SequencesPerShard = 65536);

    public sealed record Result(long Documents, long Tokens, long Sequences, int Shards, string ManifestSha256);

    public static Result Write(IEnumerable<CorpusDocument> documents, string tokenizerPath, Options options, string outputDirectory)
    {
        if (options.SeqLen < 2) throw new ArgumentException($"--seq-len must be at least 2, got {options.SeqLen}");
        BpeTokenizer tokenizer = BpeTokenizer.Load(tokenizerPath);
        if (tokenizer.VocabSize > ushort.MaxValue + 1) throw new ArgumentException($"vocabulary of {tokenizer.VocabSize} does not fit uint16 shards");
        int eot = tokenizer.EndOfTextId ?? throw new InvalidDataException($"{tokenizerPath} has no <|endoftext|> token");
        var markers = new FimTransform.Markers(
            tokenizer.FimPrefixId ?? throw new InvalidDataException($"{tokenizerPath} has no <|fim_prefix|> token"),
            tokenizer.FimMiddleId ?? throw new InvalidDataException($"{tokenizerPath} has no <|fim_middle|> token"),
            tokenizer.FimSuffixId ?? throw new InvalidDataException($"{tokenizerPath} has no <|fim_suffix|> token"));
        var fim = new FimTransform(options.FimRate, options.FimSpmRate, new Random(options.Seed));
        Directory.CreateDirectory(outputDirectory);

        int length = options.SeqLen + 1;
        var pending = new List<ushort>(length * 2);
        var shards = new List<ShardEntry>();
        var inputs = new JsonArray();
        long documentCount = 0, tokenCount = 0, sequenceCount = 0, inShard = 0;
        FileStream? shard = null;

        void FlushSequence()
        {
            if (shard is null || inShard == options.SequencesPerShard)
            {
                CloseShard();
                string name = $"shard-{shards.Count:D5}.bin";
                shard = new FileStream(Path.Combine(outputDirectory, name + ".tmp"), FileMode.Create, FileAccess.Write);
                inShard = 0;
            }
            byte[] bytes = new byte[length * 2];
            for (int i = 0; i < length; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 2), pending[i]);
            shard.Write(bytes);
            inShard++;
            sequenceCount++;
            pending.RemoveRange(0, length - 1); // keep the last token: it is the next sequence's first input
        }

        void CloseShard()
        {
            if (shard is null) return;
            string temp = shard.Name;
            shard.Dispose();
            string final = temp[..^4];
            File.Move(temp, final, overwrite: true);
            shards.Add(new ShardEntry(Path.GetFileName(final), inShard, ShardSet.HashFile(final)));
            shard = null;
        }

        foreach (CorpusDocument document in documents)
        {
            List<int> ids = fim.Apply(document.Text, text => tokenizer.Encode(text, parseSpecialTokens: false), markers);
            ids.Add(eot);
            foreach (int id in ids) pending.Add((ushort)id);
            while (pending.Count >= length) FlushSequence();
            documentCount++;
            tokenCount += ids.Count;
            inputs.Add(new JsonObject { ["path"] = document.Path, ["origin"] = document.Origin, ["license"] = document.License, ["sha256"] = document.Sha256 });
        }
        CloseShard();

        var manifest = new JsonObject
        {
            ["tokenizer_sha256"] = ShardSet.HashFile(tokenizerPath),
            ["options"] = JsonSerializer.SerializeToNode(options, ShardIndex.Json),
            ["inputs"] = inputs,
            ["shards"] = JsonSerializer.SerializeToNode(shards, ShardIndex.Json),
        };
        string manifestPath = Path.Combine(outputDirectory, ManifestFileName);
        File.WriteAllText(manifestPath, manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = false }), new UTF8Encoding(false));
        string manifestHash = ShardSet.HashFile(manifestPath);
        var index = new ShardIndex(options.SeqLen, tokenizer.VocabSize, options.ValidationFraction, ShardSet.HashFile(tokenizerPath), manifestHash, shards);
        File.WriteAllText(Path.Combine(outputDirectory, ShardSet.IndexFileName), JsonSerializer.Serialize(index, ShardIndex.Json));
        File.Copy(tokenizerPath, Path.Combine(outputDirectory, "tokenizer.json"), overwrite: true);
        return new Result(documentCount, tokenCount, sequenceCount, shards.Count, manifestHash);
    }
}
