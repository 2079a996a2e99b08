using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model.Tokenization;
using CodeGen.TestUtils;
using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class ShardWriterTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-shards-").FullName;
    private static string TokenizerPath => Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static CorpusDocument Doc(string name, string text) => new(name, "python", "test", "MIT", name + "-hash", text);

    [Fact]
    public void Apply_RateOne_EmitsPsmOrSpmWithTheMiddleLast()
    {
        BpeTokenizer tokenizer = BpeTokenizer.Load(TokenizerPath);
        var markers = new FimTransform.Markers(tokenizer.FimPrefixId!.Value, tokenizer.FimMiddleId!.Value, tokenizer.FimSuffixId!.Value);
        const string text = "def add(a, b):\n    return a + b\n";
        var seen = new HashSet<string>();
        var random = new Random(4);
        var fim = new FimTransform(1.0, 0.5, random);
        for (int i = 0; i < 40; i++)
        {
            List<int> ids = fim.Apply(text, t => tokenizer.Encode(t, parseSpecialTokens: false), markers);
            Assert.Equal(markers.Prefix, ids[0]);
            int suffixAt = ids.IndexOf(markers.Suffix), middleAt = ids.IndexOf(markers.Middle);
            Assert.True(suffixAt > 0 && middleAt > suffixAt);
            if (suffixAt == 1)
            {
                // SPM: <pre><suf> suffix <mid> prefix + middle — the text reassembles as prefix+middle+suffix.
                string suffix = tokenizer.Decode(ids[2..middleAt]);
                string prefixAndMiddle = tokenizer.Decode(ids[(middleAt + 1)..]);
                Assert.Equal(text, prefixAndMiddle + suffix);
                seen.Add("SPM");
            }
            else
            {
                string prefix = tokenizer.Decode(ids[1..suffixAt]);
                string suffix = tokenizer.Decode(ids[(suffixAt + 1)..middleAt]);
                string middle = tokenizer.Decode(ids[(middleAt + 1)..]);
                Assert.Equal(text, prefix + middle + suffix);
                seen.Add("PSM");
            }
        }
        Assert.Equal(new HashSet<string> { "PSM", "SPM" }, seen);
        Assert.Equal(tokenizer.Encode(text, parseSpecialTokens: false), new FimTransform(0.0, 0.5, random).Apply(text, t => tokenizer.Encode(t, parseSpecialTokens: false), markers));
    }

    [Fact]
    public void Write_PacksEveryTokenOnceWithEndOfTextAndRecordsHashesInTheManifest()
    {
        BpeTokenizer tokenizer = BpeTokenizer.Load(TokenizerPath);
        CorpusDocument[] docs = [Doc("a.py", "x = 1\n"), Doc("b.py", "def f():\n    return 2\n"), Doc("c.py", "print('hi')\n")];
        string output = Path.Combine(_root, "out");
        ShardWriter.Result result = ShardWriter.Write(docs, TokenizerPath, new ShardWriter.Options(4, 0, 0, 0.3, 1, SequencesPerShard: 2), output);

        var stream = docs.SelectMany(d => tokenizer.Encode(d.Text, parseSpecialTokens: false).Append(tokenizer.EndOfTextId!.Value)).ToList();
        Assert.Equal(stream.Count, result.Tokens);
        Assert.Equal((stream.Count - 1) / 4, result.Sequences); // windows of 5 sharing one token
        using ShardSet set = ShardSet.Open(output);
        var buffer = new long[5];
        for (int i = 0; i < result.Sequences; i++)
        {
            set.Read(i, buffer);
            Assert.Equal(stream.Skip(i * 4).Take(5).Select(t => (long)t), buffer);
        }
        Assert.Equal(result.Sequences, set.Train.Count + set.Validation.Count);
        Assert.Equal(Enumerable.Range(0, (int)result.Sequences).Where(i => ShardSet.IsValidation(i, 0.3)).Select(i => (long)i), set.Validation);

        JsonObject manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(output, ShardWriter.ManifestFileName)))!.AsObject();
        Assert.Equal(["a.py-hash", "b.py-hash", "c.py-hash"], manifest["inputs"]!.AsArray().Select(n => (string)n!["sha256"]!));
        foreach (JsonNode? shard in manifest["shards"]!.AsArray())
            Assert.Equal((string)shard!["sha256"]!, ShardSet.HashFile(Path.Combine(output, (string)shard["file"]!)));
        Assert.Equal(ShardSet.HashFile(Path.Combine(output, ShardWriter.ManifestFileName)), set.Index.ManifestSha256);
        Assert.Equal(ShardSet.HashFile(TokenizerPath), set.Index.TokenizerSha256);
    }

    [Fact]
    public void Open_TruncatedShard_ThrowsNamingIt()
    {
        string output = Path.Combine(_root, "out2");
        ShardWriter.Write([Doc("a.py", string.Concat(Enumerable.Repeat("value = compute(1, 2)\n", 20)))], TokenizerPath, new ShardWriter.Options(8, 0, 0, 0, 1), output);
        string shard = Path.Combine(output, "shard-00000.bin");
        File.WriteAllBytes(shard, File.ReadAllBytes(shard)[..^2]);
        var e = Assert.Throws<InvalidDataException>(() => ShardSet.Open(output));
        Assert.StartsWith(shard, e.Message);
    }
}
