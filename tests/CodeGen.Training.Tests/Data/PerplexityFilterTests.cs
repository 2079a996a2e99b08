using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class PerplexityFilterTests
{
    private static readonly Dictionary<string, double> Perplexities = new()
    {
        ["a"] = 10, ["b"] = 12, ["c"] = 11, ["d"] = 100, ["e"] = 9, ["f"] = 34,
    };

    [Fact]
    public void Apply_FakeScorer_DropsAboveThreeTimesMedian()
    {
        PerplexityFilter filter = new(text => Math.Log(Perplexities[text]));

        PerplexityFilterResult result = filter.Apply([.. Perplexities.Keys.Select(Document)]);

        // Sorted: 9, 10, 11, 12, 34, 100 -> median 11.5, cut-off 34.5.
        Assert.Equal(11.5, result.MedianPerplexity, tolerance: 1e-9);
        Assert.Equal(34.5, result.MaxPerplexity, tolerance: 1e-9);
        Assert.Equal(["d.py"], result.RemovedPaths);
        Assert.Equal(["a.py", "b.py", "c.py", "e.py", "f.py"], result.Kept.Select(document => document.Path));
    }

    [Fact]
    public void Apply_LowerMultiple_DropsMore()
    {
        PerplexityFilter filter = new(text => Math.Log(Perplexities[text]), maxMultipleOfMedian: 1.0);

        PerplexityFilterResult result = filter.Apply([.. Perplexities.Keys.Select(Document)]);

        Assert.Equal(["b.py", "d.py", "f.py"], result.RemovedPaths);
    }

    [Fact]
    public void Apply_TwoLanguages_EachJudgedAgainstItsOwnMedian()
    {
        // C# around 10, Python around 100: one corpus-wide median (about 55) would drop every Python file.
        var scores = new Dictionary<string, double> { ["c1"] = 9, ["c2"] = 10, ["c3"] = 11, ["c4"] = 40, ["p1"] = 90, ["p2"] = 100, ["p3"] = 110, ["p4"] = 250 };
        CorpusDocument[] documents = [.. scores.Keys.Select(k => new CorpusDocument(k, k[0] == 'c' ? "csharp" : "python", "t", "MIT", k, k))];

        PerplexityFilterResult result = new PerplexityFilter(text => Math.Log(scores[text])).Apply(documents);

        Assert.Equal(["c4"], result.RemovedPaths); // 40 > 3 × 10.5; 250 < 3 × 105
        Assert.Equal(10.5, result.MediansByLanguage["csharp"], 9);
        Assert.Equal(105, result.MediansByLanguage["python"], 9);
    }

    private static CorpusDocument Document(string text) => new(text + ".py", "python", "test", "MIT", CorpusBuilder.Sha256Hex(text), text);
}
