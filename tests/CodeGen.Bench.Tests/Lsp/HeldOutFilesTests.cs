using CodeGen.Bench.Lsp;

namespace CodeGen.Bench.Tests.Lsp;

public sealed class HeldOutFilesTests
{
    [Fact]
    public void Targets_LongLineAfterTenth_RemovesItAndPutsCursorAfterIndentation()
    {
        string text = string.Concat(Enumerable.Range(0, 10).Select(i => $"// {i}\n")) + "    int total = Sum(a, b);\n}\n";

        HeldOutFiles.Target target = Assert.Single(HeldOutFiles.Targets("a.cs", text, perFile: 3, minChars: 12));

        Assert.Equal("int total = Sum(a, b);", target.Line);
        Assert.Equal(string.Concat(Enumerable.Range(0, 10).Select(i => $"// {i}\n")) + "    \n}\n", target.Document);
        Assert.Equal(text.IndexOf("int total", StringComparison.Ordinal), target.Offset);
    }

    [Fact]
    public void Targets_MoreCandidatesThanPerFile_SpacesThemEvenly()
    {
        string text = string.Concat(Enumerable.Range(0, 30).Select(i => $"var value{i:00} = {i};\n"));

        IReadOnlyList<HeldOutFiles.Target> targets = HeldOutFiles.Targets("a.cs", text, perFile: 2, minChars: 12);

        Assert.Equal(["var value10 = 10;", "var value20 = 20;"], targets.Select(t => t.Line));
    }

    [Theory]
    [InlineData("int total = Sum(a, b);\nnext", true, true)]
    [InlineData("  int total = Sum(a, b);  ", true, true)]
    [InlineData("int total = Sum(b, a);", false, true)]
    [InlineData("var total = 0;", false, false)]
    public void Matches_FirstLineAndFirstIdentifier(string suggestion, bool line, bool identifier)
    {
        Assert.Equal(line, HeldOutFiles.LineMatches(suggestion, "int total = Sum(a, b);"));
        Assert.Equal(identifier, HeldOutFiles.IdentifierMatches(suggestion, "int total = Sum(a, b);"));
    }

    [Fact]
    public void IsHeldOut_SplitsByPathHash_AboutOneInFive()
    {
        string[] paths = [.. Enumerable.Range(0, 1000).Select(i => $"src/File{i}.cs")];

        int heldOut = paths.Count(HeldOutFiles.IsHeldOut);

        Assert.InRange(heldOut, 150, 250);
        Assert.Equal(HeldOutFiles.IsHeldOut("lsp/LanguageServer.cs"), HeldOutFiles.IsHeldOut("lsp/LanguageServer.cs"));
    }
}
