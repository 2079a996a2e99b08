using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Protocol;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class DocumentStoreTests
{
    private const string Uri = "file:///work/a.cs";

    [Fact]
    public void TryChange_MultiLineRange_ReplacesAcrossLines()
    {
        DocumentStore store = StoreWith("line one\nline two\nline three\n");

        // (0,5) is before "one"; (2,4) is before " three": "one\nline two\nline" goes.
        string text = Change(store, 2, Edit(0, 5, 2, 4, "A\nB"));

        Assert.Equal("line A\nB three\n", text);
    }

    [Fact]
    public void TryChange_InsertInCrLfText_CountsCrLfAsOneLineBreak()
    {
        DocumentStore store = StoreWith("a\r\nbc\r\nd");

        string text = Change(store, 2, Edit(1, 1, 1, 1, "X"));

        Assert.Equal("a\r\nbXc\r\nd", text);
    }

    [Fact]
    public void TryChange_RangeSpanningCrLf_RemovesBothCharacters()
    {
        DocumentStore store = StoreWith("a\r\nbc\r\nd");

        // End of line 0 to start of line 1 is exactly the "\r\n".
        string text = Change(store, 2, Edit(0, 1, 1, 0, ""));

        Assert.Equal("abc\r\nd", text);
    }

    [Fact]
    public void TryChange_LoneCarriageReturns_AreLineBreaks()
    {
        DocumentStore store = StoreWith("ab\rcd\re");

        string text = Change(store, 2, Edit(2, 0, 2, 1, "E"));

        Assert.Equal("ab\rcd\rE", text);
    }

    [Fact]
    public void TryChange_SurrogatePairBeforeEdit_CountsTwoUtf16Units()
    {
        // U+1F600 is the surrogate pair D83D DE00: "a" sits at UTF-16 character 2, not 1.
        DocumentStore store = StoreWith("x = \"\U0001F600a\";\nnext");

        string text = Change(store, 2, Edit(0, 7, 0, 8, "b"));

        Assert.Equal("x = \"\U0001F600b\";\nnext", text);
    }

    [Fact]
    public void TryChange_CharacterPastLineEnd_ClampsToLineEnd()
    {
        DocumentStore store = StoreWith("ab\r\ncd");

        string text = Change(store, 2, Edit(0, 99, 0, 99, "!"));

        Assert.Equal("ab!\r\ncd", text);
    }

    [Fact]
    public void TryChange_LinePastEnd_AppendsAtEndOfText()
    {
        DocumentStore store = StoreWith("ab\ncd");

        string text = Change(store, 2, Edit(7, 0, 7, 0, "\nef"));

        Assert.Equal("ab\ncd\nef", text);
    }

    [Fact]
    public void TryChange_SeveralEdits_EachAppliesToThePreviousResult()
    {
        DocumentStore store = StoreWith("ab");

        string text = Change(store, 2, Edit(0, 0, 0, 0, "X"), Edit(0, 1, 0, 1, "Y"), Edit(0, 4, 0, 4, "Z"));

        Assert.Equal("XYabZ", text);
    }

    [Fact]
    public void TryChange_WithoutRange_ReplacesWholeTextThenAppliesNextEdit()
    {
        DocumentStore store = StoreWith("old\ntext");

        string text = Change(store, 2, new TextDocumentContentChangeEvent(null, "new\nbody"), Edit(1, 0, 1, 4, "text"));

        Assert.Equal("new\ntext", text);
    }

    [Fact]
    public void TryChange_Applied_SetsVersionAndKeepsLanguage()
    {
        DocumentStore store = StoreWith("a");

        Assert.True(store.TryChange(new VersionedTextDocumentIdentifier(Uri, 7), [Edit(0, 1, 0, 1, "b")], out OpenDocument? document));

        Assert.Equal(new OpenDocument(Uri, "csharp", 7, "ab"), document);
    }

    [Fact]
    public void TryChange_EndBeforeStart_ThrowsAndKeepsPreviousText()
    {
        DocumentStore store = StoreWith("abc\ndef");

        ArgumentException ex = Assert.Throws<ArgumentException>(() => store.TryChange(
            new VersionedTextDocumentIdentifier(Uri, 2),
            [Edit(0, 0, 0, 0, "ok "), Edit(1, 2, 0, 1, "bad")],
            out _));

        Assert.StartsWith("Range end 0:1 is before its start 1:2.", ex.Message, StringComparison.Ordinal);
        Assert.True(store.TryGet(Uri, out OpenDocument? document));
        Assert.Equal("abc\ndef", document.Text);
        Assert.Equal(1, document.Version);
    }

    [Fact]
    public void TryChange_NegativeCharacter_Throws()
    {
        DocumentStore store = StoreWith("abc");

        Assert.Throws<ArgumentOutOfRangeException>(() => store.TryChange(
            new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, -1, 0, 1, "")], out _));
    }

    [Fact]
    public void TryChange_DocumentNotOpen_ReturnsFalse()
    {
        var store = new DocumentStore();

        bool changed = store.TryChange(new VersionedTextDocumentIdentifier(Uri, 2), [Edit(0, 0, 0, 0, "x")], out OpenDocument? document);

        Assert.False(changed);
        Assert.Null(document);
    }

    [Fact]
    public void Close_OpenDocument_RemovesIt()
    {
        DocumentStore store = StoreWith("abc");

        Assert.True(store.Close(Uri));

        Assert.False(store.TryGet(Uri, out _));
        Assert.False(store.Close(Uri));
        Assert.Empty(store.Snapshot());
    }

    [Fact]
    public async Task TryChange_ConcurrentAppends_NoneIsLost()
    {
        DocumentStore store = StoreWith("");
        const int Writers = 8;
        const int AppendsPerWriter = 200;

        // Each append targets "end of line 0" as it is when the edit runs; a lost update would drop characters.
        // Versions come from a shared counter, so a writer that loses the race to a newer version is refused
        // as stale and retries with a fresh one.
        int version = 1;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(writer => Task.Run(() =>
        {
            for (int i = 0; i < AppendsPerWriter; i++)
            {
                while (true)
                {
                    try
                    {
                        store.TryChange(
                            new VersionedTextDocumentIdentifier(Uri, Interlocked.Increment(ref version)),
                            [Edit(0, int.MaxValue, 0, int.MaxValue, "x")],
                            out _);
                        break;
                    }
                    catch (ArgumentException)
                    {
                        // Stale: a newer version got in first; retry.
                    }
                }
            }
        })));

        Assert.True(store.TryGet(Uri, out OpenDocument? document));
        Assert.Equal(Writers * AppendsPerWriter, document.Text.Length);
    }

    private static DocumentStore StoreWith(string text)
    {
        var store = new DocumentStore();
        store.Open(new TextDocumentItem(Uri, "csharp", 1, text));
        return store;
    }

    private static string Change(DocumentStore store, int version, params TextDocumentContentChangeEvent[] changes)
    {
        Assert.True(store.TryChange(new VersionedTextDocumentIdentifier(Uri, version), changes, out OpenDocument? document));
        return document.Text;
    }

    private static TextDocumentContentChangeEvent Edit(int startLine, int startCharacter, int endLine, int endCharacter, string text) =>
        new(new TextRange(new Position(startLine, startCharacter), new Position(endLine, endCharacter)), text);

    [Fact]
    public void Open_EditorLanguageAlias_IsNormalized()
    {
        var store = new DocumentStore();

        OpenDocument document = store.Open(new TextDocumentItem("file:///w/n.cs", "cs", 1, ""));

        Assert.Equal("csharp", document.LanguageId);
    }
}
