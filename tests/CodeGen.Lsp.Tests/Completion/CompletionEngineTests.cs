using System.Text.Json;

namespace CodeGen.Lsp.Tests.Completion;

/// <summary>Reuse of a streamed generation in flight, against a fake streaming server.</summary>
public sealed class CompletionEngineTests
{
    private const string Uri = "file:///w/a.cs";

    [Fact]
    public async Task Suggest_KeystrokeMatchesStreamSoFar_JoinsAndServesTheRest()
    {
        var fake = new FakeServerHandler
        {
            Respond = (_, token) => Task.FromResult(FakeServerHandler.Streamed(token, (0, "1"), (300, "23;"))),
        };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0 });
        await session.OpenAsync(Uri, "int x = \n");

        Task<string> first = InlineAsync(session, 0, 8);
        await WaitUntilAsync(() => fake.Calls == 1);
        await session.InsertAsync(Uri, 2, 0, 8, "1");
        string rest = await InlineAsync(session, 0, 9);

        Assert.Equal("", await first);
        Assert.Equal("23;", rest);
        Assert.Equal(1, fake.Calls);
        Assert.Equal(1, session.Server.Engine.Joins);
        Assert.Equal(0, session.Server.Engine.Aborted);
    }

    [Fact]
    public async Task Suggest_KeystrokeDivergesFromStream_AbortsItAndStartsAnother()
    {
        var fake = new FakeServerHandler
        {
            Respond = (call, token) => Task.FromResult(call == 1
                ? FakeServerHandler.Streamed(token, (0, "1"), (10_000, "23;"))
                : FakeServerHandler.Ok("0;")),
        };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0 });
        await session.OpenAsync(Uri, "int x = \n");

        Task<string> first = InlineAsync(session, 0, 8);
        await WaitUntilAsync(() => fake.Calls == 1);
        await Task.Delay(100);
        await session.InsertAsync(Uri, 2, 0, 8, "9");
        string second = await InlineAsync(session, 0, 9);

        Assert.Equal("", await first);
        Assert.Equal("0;", second);
        Assert.Equal(2, fake.Calls);
        Assert.Equal(1, session.Server.Engine.Joins);
        Assert.Equal(1, session.Server.Engine.Aborted);
    }

    private static async Task<string> InlineAsync(LspSession session, int line, int character)
    {
        JsonElement response = await session.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri = Uri },
            position = new { line, character },
            context = new { triggerKind = 1 },
        });
        JsonElement items = response.GetProperty("result").GetProperty("items");
        return items.GetArrayLength() == 0 ? "" : items[0].GetProperty("insertText").GetString()!;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 10 s");
            await Task.Delay(5);
        }
    }
}
