using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class ContextRetrieverTests
{
    private static readonly OpenDocument Current = new("file:///w/src/Cart.cs", "csharp", 1, "var total = PriceCalculator.");

    [Fact]
    public void Retrieve_PrefersEditedDocumentsThenScoreAndPutsBestLast()
    {
        OpenDocument edited = new("file:///w/src/Edited.cs", "csharp", 2, "class Edited { int total; }");
        OpenDocument python = new("file:///w/tool.py", "python", 1, "total = PriceCalculator()");
        IndexedFile calculator = File("src/PriceCalculator.cs", "static class PriceCalculator { public static decimal Total(decimal price) => price; }");
        IndexedFile unrelated = File("src/Other.cs", "class Logger { void Write() { } }");

        IReadOnlyList<ContextSnippet> snippets = ContextRetriever.Retrieve(
            Current, Current.Text.Length, [edited, python], new HashSet<string> { edited.Uri }, [unrelated, calculator], "/w", 10_000);

        Assert.Equal(
            [
                new ContextSnippet("src/PriceCalculator.cs", "static class PriceCalculator { public static decimal Total(decimal price) => price; }"),
                new ContextSnippet("src/Edited.cs", "class Edited { int total; }"),
            ],
            snippets);
    }

    [Fact]
    public void Retrieve_BudgetTooSmallForPassage_LeavesItOut()
    {
        IndexedFile calculator = File("src/PriceCalculator.cs", "static class PriceCalculator { }");

        Assert.Empty(ContextRetriever.Retrieve(Current, Current.Text.Length, [], new HashSet<string>(), [calculator], "/w", 20));
        Assert.Single(ContextRetriever.Retrieve(Current, Current.Text.Length, [], new HashSet<string>(), [calculator], "/w", 100));
    }

    [Fact]
    public void Retrieve_WorkspaceCopyOfCurrentFile_IsNotContext()
    {
        IndexedFile self = new("src/Cart.cs", "/w/src/Cart.cs", "csharp", DateTime.UnixEpoch, ContextWindow.Split("var total = PriceCalculator.Sum();"));

        Assert.Empty(ContextRetriever.Retrieve(Current, Current.Text.Length, [], new HashSet<string>(), [self], "/w", 10_000));
    }

    private static IndexedFile File(string path, string text) =>
        new(path, "/w/" + path, "csharp", DateTime.UnixEpoch, ContextWindow.Split(text));
}
