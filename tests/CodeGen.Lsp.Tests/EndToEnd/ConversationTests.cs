using System.Text.Json;
using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.EndToEnd;

/// <summary>Full LSP conversations in-process over pipes against the real server (bundled model) on loopback.</summary>
[Collection(RealServerCollection.Name)]
public sealed class ConversationTests(ServerProcessFixture server)
{
    private const string Uri = "file:///work/repo/Counter.cs";

    private const string Text = """
        using System;

        namespace Demo;

        public sealed class Counter
        {
            private int _count;

            public int Count { get; }

            public void Increment()
            {
                _count = _count + 1;
            }
        }

        """;

    [Fact]
    public async Task Conversation_OpenChangeCompleteCancelShutdown_ServesItemsAndFreesCancelledSequence()
    {
        await using var session = new LspSession();
        JsonElement init = await session.InitializeAsync(new { serverUrl = server.BaseAddress.ToString(), debounceMs = 20 });
        Assert.Equal("utf-16", init.GetProperty("result").GetProperty("capabilities").GetProperty("positionEncoding").GetString());
        await session.NotifyAsync("initialized", new { });
        await session.OpenAsync(Uri, Text);
        // Incremental change: a new line "    public int Twice()" after line 9's "{ get; }" line.
        await session.InsertAsync(Uri, 2, 9, 0, "    public int Max { get; ");
        double sequencesBefore = await server.SequencesAsync();

        JsonElement inline = await session.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = Uri },
            position = new { line = 9, character = 26 },
            context = new { triggerKind = 2 },
        });

        JsonElement items = inline.GetProperty("result").GetProperty("items");
        Assert.Equal(1, items.GetArrayLength());
        string suggestion = items[0].GetProperty("insertText").GetString()!;
        Assert.NotEqual("", suggestion.Trim());
        Assert.DoesNotContain('\n', suggestion);
        Assert.Equal(
            """{"start":{"line":9,"character":26},"end":{"line":9,"character":26}}""",
            items[0].GetProperty("range").GetRawText());
        Assert.Equal(sequencesBefore + 1, await server.SequencesAsync());

        // The same cursor through textDocument/completion: the cached suggestion, no new request.
        JsonElement completion = await session.RequestAsync("textDocument/completion", new
        {
            textDocument = new { uri = Uri },
            position = new { line = 9, character = 26 },
        });
        JsonElement item = Assert.Single(completion.GetProperty("result").GetProperty("items").EnumerateArray());
        Assert.True(completion.GetProperty("result").GetProperty("isIncomplete").GetBoolean());
        Assert.Equal(suggestion, item.GetProperty("insertText").GetString());
        Assert.Equal(suggestion, item.GetProperty("textEdit").GetProperty("newText").GetString());
        Assert.Equal(items[0].GetProperty("range").GetRawText(), item.GetProperty("textEdit").GetProperty("range").GetRawText());
        Assert.Equal(sequencesBefore + 1, await server.SequencesAsync());

        // A long multi-line generation, cancelled with $/cancelRequest once the server runs it.
        await session.NotifyAsync("workspace/didChangeConfiguration", new { settings = new { codegen = new { maxTokens = 400, lines = "multi" } } });
        await session.InsertAsync(Uri, 3, 14, 0, "\n    public void Reset()\n    {\n        ");
        double cancelledBefore = await server.MetricAsync("codegen_sequences_finished_total{reason=\"cancelled\"}");
        (int id, Task<JsonElement> response) = session.Start("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = Uri },
            position = new { line = 17, character = 8 },
            context = new { triggerKind = 1 },
        });
        await WaitUntilAsync(async () => await server.MetricAsync("codegen_running_batch_size") >= 1);
        await session.NotifyAsync("$/cancelRequest", new { id });

        JsonElement cancelled = await response;
        Assert.Equal(-32800, cancelled.GetProperty("error").GetProperty("code").GetInt32());
        await WaitUntilAsync(async () => await server.MetricAsync("codegen_sequences_finished_total{reason=\"cancelled\"}") == cancelledBefore + 1);
        Assert.Equal(1, session.Server.Engine.Aborted);

        await session.ShutdownAndExitAsync();
    }

    [Fact]
    public async Task InlineCompletion_TypingThroughSuggestion_ServesRestFromCacheWithoutRequest()
    {
        await using var session = new LspSession();
        await session.InitializeAsync(new { serverUrl = server.BaseAddress.ToString() });
        await session.OpenAsync(Uri, Text);
        await session.InsertAsync(Uri, 2, 9, 0, "    public int Max { get; ");
        string first = await InlineAsync(session, 9, 26);
        Assert.True(first.Length >= 2, $"suggestion '{first}' is too short to type through");
        double sequences = await server.SequencesAsync();
        int sent = session.Server.Engine.RequestsSent;

        await session.InsertAsync(Uri, 3, 9, 26, first[..2]);
        string rest = await InlineAsync(session, 9, 28);

        Assert.Equal(first[2..], rest);
        Assert.Equal(sent, session.Server.Engine.RequestsSent);
        Assert.Equal(sequences, await server.SequencesAsync());
        Assert.Equal(1, session.Server.Engine.Cache.Hits);
    }

    [Fact]
    public async Task InlineCompletion_KeystrokeExtendsRequestInFlight_IsServedWithoutSecondGeneration()
    {
        await using var session = new LspSession();
        // contextTokens 0: with context on, the second document's prompt would carry the first as a passage (and
        // both path comments), so the model could suggest something else there; the test needs equal prompts.
        await session.InitializeAsync(new { serverUrl = server.BaseAddress.ToString(), lines = "multi", maxTokens = 48, contextTokens = 0 });
        // The suggestion this cursor gets, learned in a first document...
        await session.OpenAsync("file:///work/repo/A.cs", Text);
        string expected = await InlineAsync(session, "file:///work/repo/A.cs", 11, 5, invoked: true);
        Assert.True(expected.Length >= 2, $"suggestion '{expected}' is too short to type through");

        // ...then asked for in a second one with the same text, and its first character typed at once.
        const string B = "file:///work/repo/B.cs";
        await session.OpenAsync(B, Text);
        double sequences = await server.SequencesAsync();
        Task<string> superseded = InlineAsync(session, B, 11, 5, invoked: true);
        await WaitUntilAsync(() => Task.FromResult(session.Server.Engine.RequestsSent == 2));
        await session.InsertAsync(B, 2, 11, 5, expected[..1]);
        string rest = await InlineAsync(session, B, 11, 6, invoked: true);

        // The keystroke usually lands while the generation streams (the second request joins it and the first
        // is superseded); on a fast machine the generation may finish first (the cache serves the rest). Either
        // way: no second generation.
        string first = await superseded;
        Assert.Contains(first, new[] { "", expected });
        Assert.Equal(expected[1..], rest);
        Assert.Equal(1, session.Server.Engine.Joins + session.Server.Engine.Cache.Hits);
        Assert.Equal(2, session.Server.Engine.RequestsSent);
        Assert.Equal(sequences + 1, await server.SequencesAsync());
    }

    [Fact]
    public async Task InlineCompletion_SupersededByKeystroke_AnswersEmptyAndAbortsServerSequence()
    {
        await using var session = new LspSession();
        await session.InitializeAsync(new { serverUrl = server.BaseAddress.ToString(), maxTokens = 400, lines = "multi", debounceMs = 20 });
        await session.OpenAsync(Uri, Text);
        // The cursor where the conversation test's long generation runs.
        await session.InsertAsync(Uri, 2, 14, 0, "\n    public void Reset()\n    {\n        ");
        double cancelledBefore = await server.MetricAsync("codegen_sequences_finished_total{reason=\"cancelled\"}");

        Task<string> superseded = InlineAsync(session, Uri, 17, 8, invoked: true);
        await WaitUntilAsync(async () => session.Server.Engine.RequestsSent == 1 && await server.MetricAsync("codegen_running_batch_size") >= 1);
        // A keystroke the running generation cannot serve (it is not at the end of the cursor's prefix).
        await session.InsertAsync(Uri, 3, 0, 0, "// ");

        Assert.Equal("", await superseded);
        await WaitUntilAsync(() => Task.FromResult(session.Server.Engine.Aborted == 1));
        // At least: another test's generation may be cancelled in the same interval.
        await WaitUntilAsync(async () => await server.MetricAsync("codegen_sequences_finished_total{reason=\"cancelled\"}") >= cancelledBefore + 1);
    }

    private static Task<string> InlineAsync(LspSession session, int line, int character) =>
        InlineAsync(session, Uri, line, character, invoked: false);

    // The one item's insertText, or "" when there is none.
    private static async Task<string> InlineAsync(LspSession session, string uri, int line, int character, bool invoked)
    {
        JsonElement response = await session.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line, character },
            context = new { triggerKind = invoked ? 1 : 2 },
        });
        JsonElement items = response.GetProperty("result").GetProperty("items");
        return items.GetArrayLength() == 0 ? "" : items[0].GetProperty("insertText").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(10);
        }
    }
}
