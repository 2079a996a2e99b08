using CodeGen.Training.Tokenizers;

namespace CodeGen.Training.Tests.Tokenizers;

public sealed class WordCounterTests
{
    [Fact]
    public void CountInto_CodeLine_SplitsLikeQwen2()
    {
        Dictionary<string, long> counts = new(StringComparer.Ordinal);

        WordCounter.CountInto("if (x) return x's;\r\n    x = 42", counts);

        Dictionary<string, long> expected = new(StringComparer.Ordinal)
        {
            ["if"] = 1,
            [" ("] = 1,
            ["x"] = 1,
            [")"] = 1,
            [" return"] = 1,
            [" x"] = 2,
            ["'s"] = 1,
            [";\r\n"] = 1,
            ["   "] = 1,
            [" ="] = 1,
            [" "] = 1,
            ["4"] = 1,
            ["2"] = 1,
        };
        Assert.Equal(expected.OrderBy(p => p.Key, StringComparer.Ordinal), counts.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void Count_SeveralTexts_SumsAcrossTexts()
    {
        Dictionary<string, long> counts = WordCounter.Count(["ab ab", "ab", " ab"]);

        Assert.Equal(2, counts.Count);
        Assert.Equal(2, counts["ab"]);
        Assert.Equal(2, counts[" ab"]);
    }
}
