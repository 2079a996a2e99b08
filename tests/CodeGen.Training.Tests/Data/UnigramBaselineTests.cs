using System.Text.Json;
using CodeGen.TestUtils;
using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class UnigramBaselineTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-unigram-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Measure_MatchesCountsComputedByHand()
    {
        string corpus = Path.Combine(_root, "corpus.jsonl");
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        File.WriteAllLines(corpus, Enumerable.Range(1, 12).Select(seed =>
            JsonSerializer.Serialize(new CorpusDocument($"f{seed}.py", "python", "t", "MIT", "", SampleCode.Generate(seed)), json)));
        string shards = Path.Combine(_root, "shards");
        ShardWriter.Write(CorpusJsonl.Read(corpus), Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"),
            new ShardWriter.Options(SeqLen: 16, FimRate: 0, FimSpmRate: 0, ValidationFraction: 0.2, Seed: 1), shards);
        using ShardSet set = ShardSet.Open(shards);
        Assert.NotEmpty(set.Validation);

        (double entropy, double validation, long tokens) = UnigramBaseline.Measure(set);

        var counts = new Dictionary<long, long>();
        var buffer = new long[17];
        foreach (long i in set.Train)
        {
            set.Read(i, buffer);
            foreach (long t in buffer.Skip(1)) counts[t] = counts.GetValueOrDefault(t) + 1;
        }
        long total = counts.Values.Sum();
        double P(long t) => (counts.GetValueOrDefault(t) + 1.0) / (total + 1024);
        double expectedEntropy = -counts.Sum(p => p.Value * Math.Log(P(p.Key))) / total;
        double nll = 0;
        foreach (long i in set.Validation)
        {
            set.Read(i, buffer);
            nll -= buffer.Skip(1).Sum(t => Math.Log(P(t)));
        }
        Assert.Equal(expectedEntropy, entropy, 9);
        Assert.Equal(nll / (set.Validation.Count * 16), validation, 9);
        Assert.Equal(set.Validation.Count * 16L, tokens);
    }
}
