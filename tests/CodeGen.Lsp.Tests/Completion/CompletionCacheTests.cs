using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class CompletionCacheTests
{
    private const string Uri = "file:///w/a.cs";
    private const string Text = "int Add(int a, int b)\n{\n    return \n}\n";
    private static readonly int Cursor = Text.IndexOf("return ", StringComparison.Ordinal) + 7;

    [Fact]
    public void Lookup_SameCursor_ReturnsSuggestion()
    {
        var cache = new CompletionCache();
        cache.Add(Key(Text, Cursor), "a + b;");

        Assert.Equal("a + b;", cache.Lookup(Key(Text, Cursor)));
        Assert.Equal(1, cache.Hits);
    }

    [Fact]
    public void Lookup_TypedFirstCharactersOfSuggestion_ReturnsTheRest()
    {
        var cache = new CompletionCache();
        cache.Add(Key(Text, Cursor), "a + b;");
        string typed = Text.Insert(Cursor, "a +");

        Assert.Equal(" b;", cache.Lookup(Key(typed, Cursor + 3)));
    }

    [Theory]
    [InlineData("b")]
    [InlineData("a + b;")]
    public void Lookup_TypedSomethingElseOrAllOfIt_Misses(string typedText)
    {
        var cache = new CompletionCache();
        cache.Add(Key(Text, Cursor), "a + b;");
        string typed = Text.Insert(Cursor, typedText);

        Assert.Null(cache.Lookup(Key(typed, Cursor + typedText.Length)));
        Assert.Equal(1, cache.Misses);
    }

    [Fact]
    public void Lookup_TextAfterCursorChanged_Misses()
    {
        var cache = new CompletionCache();
        cache.Add(Key(Text, Cursor), "a + b;");

        Assert.Null(cache.Lookup(Key(Text.Replace("\n}\n", "\n}\n// more\n", StringComparison.Ordinal), Cursor)));
    }

    [Fact]
    public void Add_OverCapacity_DropsLeastRecentlyUsed()
    {
        var cache = new CompletionCache(capacity: 2);
        cache.Add(Key("a", 1), "1");
        cache.Add(Key("b", 1), "2");
        Assert.Equal("1", cache.Lookup(Key("a", 1)));
        cache.Add(Key("c", 1), "3");

        Assert.Null(cache.Lookup(Key("b", 1)));
        Assert.Equal("1", cache.Lookup(Key("a", 1)));
        Assert.Equal("3", cache.Lookup(Key("c", 1)));
    }

    private static CursorKey Key(string text, int offset) => CursorKey.At(Uri, "settings", text, offset);
}
