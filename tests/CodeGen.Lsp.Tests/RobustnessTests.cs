using System.Diagnostics;
using System.Net;
using System.Text.Json;
using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests;

/// <summary>The language server against a fake HTTP server: protocol edges, settings, failures, load.</summary>
public sealed class RobustnessTests
{
    private const string Uri = "file:///w/a.cs";

    [Fact]
    public async Task Initialize_ClientOffersUtf8_NegotiatesUtf8AndCountsBytesInEditsAndRanges()
    {
        var fake = new FakeServerHandler { Completion = "x" };
        await using var session = new LspSession(fake);
        JsonElement init = await session.InitializeAsync(
            new { debounceMs = 0 },
            capabilities: new { general = new { positionEncodings = new[] { "utf-16", "utf-8" } } });
        Assert.Equal("utf-8", init.GetProperty("result").GetProperty("capabilities").GetProperty("positionEncoding").GetString());

        // "é" is 2 UTF-8 bytes, "😀" 4 and each CJK character 3: after "s = \"é😀漢字" comes byte 17.
        await session.OpenAsync(Uri, "s = \"é😀漢字\";\nnext\n");
        await session.InsertAsync(Uri, 2, 0, 17, "!");

        JsonElement items = (await InlineAsync(session, 0, 18)).GetProperty("result").GetProperty("items");

        Assert.True(session.Server.Documents.TryGet(Uri, out OpenDocument? document));
        Assert.Equal("s = \"é😀漢字!\";\nnext\n", document.Text);
        Assert.Equal("""{"start":{"line":0,"character":18},"end":{"line":0,"character":18}}""", items[0].GetProperty("range").GetRawText());
        Assert.Equal("s = \"é😀漢字!", fake.Bodies.Single().GetProperty("prompt").GetString());
        Assert.Equal("\";\nnext\n", fake.Bodies.Single().GetProperty("suffix").GetString());
    }

    [Fact]
    public async Task Initialize_NoEncodingOffered_UsesUtf16AndCountsSurrogatePairsAsTwo()
    {
        var fake = new FakeServerHandler { Completion = "x" };
        await using var session = new LspSession(fake);
        JsonElement init = await session.InitializeAsync(new { debounceMs = 0 });
        Assert.Equal("utf-16", init.GetProperty("result").GetProperty("capabilities").GetProperty("positionEncoding").GetString());

        // UTF-16: "é" 1, "😀" 2, each CJK character 1: after "s = \"é😀漢字" comes unit 10.
        await session.OpenAsync(Uri, "s = \"é😀漢字\";\nnext\n");
        await session.InsertAsync(Uri, 2, 0, 10, "!");

        JsonElement items = (await InlineAsync(session, 0, 11)).GetProperty("result").GetProperty("items");

        Assert.True(session.Server.Documents.TryGet(Uri, out OpenDocument? document));
        Assert.Equal("s = \"é😀漢字!\";\nnext\n", document.Text);
        Assert.Equal("""{"start":{"line":0,"character":11},"end":{"line":0,"character":11}}""", items[0].GetProperty("range").GetRawText());
    }

    [Fact]
    public async Task DidChange_StaleVersion_IsRefusedAndDocumentKeepsText()
    {
        await using var session = new LspSession(new FakeServerHandler());
        await session.InitializeAsync(new { });
        await session.OpenAsync(Uri, "abc", version: 5);
        await session.InsertAsync(Uri, 5, 0, 0, "X");
        await session.InsertAsync(Uri, 4, 0, 0, "Y");
        await session.InsertAsync(Uri, 6, 0, 0, "Z");

        await session.RequestAsync("shutdown", null);

        Assert.True(session.Server.Documents.TryGet(Uri, out OpenDocument? document));
        Assert.Equal(new OpenDocument(Uri, "csharp", 6, "Zabc"), document);
    }

    [Fact]
    public async Task UnknownRequest_AnswersMethodNotFound()
    {
        await using var session = new LspSession(new FakeServerHandler());
        await session.InitializeAsync(new { });

        JsonElement response = await session.RequestAsync("textDocument/hover", new { textDocument = new { uri = Uri }, position = new { line = 0, character = 0 } });

        Assert.Equal(-32601, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Completion_BadParams_AnswersInvalidParamsAndKeepsServing()
    {
        await using var session = new LspSession(new FakeServerHandler());
        await session.InitializeAsync(new { });

        JsonElement response = await session.RequestAsync("textDocument/completion", new { textDocument = "not an object" });
        JsonElement next = await session.RequestAsync("shutdown", null);

        Assert.Equal(-32602, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.False(response.GetProperty("error").TryGetProperty("data", out _));
        Assert.Equal(JsonValueKind.Null, next.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task MalformedJson_AnswersParseErrorAndKeepsServing()
    {
        await using var session = new LspSession(new FakeServerHandler());
        await session.InitializeAsync(new { });

        await session.SendRawAsync("""{"jsonrpc":"2.0","id":50,"method":"shutdown",""");
        JsonElement next = await session.RequestAsync("shutdown", null);

        JsonElement error = Assert.Single(session.Others);
        Assert.Equal(JsonValueKind.Null, error.GetProperty("id").ValueKind);
        Assert.Equal(-32700, error.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Null, next.GetProperty("result").ValueKind);
    }

    [Fact]
    public async Task Completion_AfterShutdown_AnswersInvalidRequestWithoutCallingServer()
    {
        var fake = new FakeServerHandler();
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0 });
        await session.OpenAsync(Uri, "int x = ");
        await session.RequestAsync("shutdown", null);

        JsonElement response = await InlineAsync(session, 0, 8);

        Assert.Equal(-32600, response.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(0, fake.Calls);
    }

    [Fact]
    public async Task Completion_BeforeInitialize_AnswersServerNotInitialized()
    {
        await using var session = new LspSession(new FakeServerHandler());

        JsonElement response = await InlineAsync(session, 0, 0);

        Assert.Equal(-32002, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DidChange_ThousandNotificationsInASecond_AreAbsorbedThenOneRequestServes()
    {
        var fake = new FakeServerHandler { Completion = ";" };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 50 });
        await session.OpenAsync(Uri, "var s = \"\n");
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < 1000; i++)
        {
            await session.InsertAsync(Uri, i + 2, 0, 9 + i, "a");
            if (i % 10 == 0)
            {
                // An editor asks for a suggestion while typing; every one but the last is superseded.
                _ = InlineAsync(session, 0, 10 + i);
            }
        }

        JsonElement last = await InlineAsync(session, 0, 1009);
        clock.Stop();

        Assert.True(session.Server.Documents.TryGet(Uri, out OpenDocument? document));
        Assert.Equal("var s = \"" + new string('a', 1000) + "\n", document.Text);
        Assert.Equal(";", last.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString());
        // 100 requests were asked for; debounce and supersession let almost none through (a few where a loaded
        // machine paused the sender for longer than the debounce).
        Assert.True(fake.Calls <= 10, $"{fake.Calls} requests for 1,000 keystrokes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Settings_ConstrainPerLanguage_IsSentInRequestBody()
    {
        var fake = new FakeServerHandler();
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0, maxTokens = 17, temperature = 0.2, constrain = new { csharp = "csharp" } });
        await session.OpenAsync(Uri, "int x = ");
        await session.OpenAsync("file:///w/b.py", "x = ", languageId: "python");

        await InlineAsync(session, 0, 8);
        await InlineAsync(session, 0, 4, "file:///w/b.py");

        JsonElement[] bodies = [.. fake.Bodies];
        Assert.Equal("csharp", bodies[0].GetProperty("constrain").GetString());
        Assert.Equal("none", bodies[1].GetProperty("constrain").GetString());
        Assert.Equal(17, bodies[0].GetProperty("max_tokens").GetInt32());
        Assert.Equal(0.2, bodies[0].GetProperty("temperature").GetDouble());
        Assert.True(bodies[0].GetProperty("stream").GetBoolean());
    }

    [Fact]
    public async Task Settings_FimOff_SendsPrefixOnly()
    {
        var fake = new FakeServerHandler();
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0, fim = false });
        await session.OpenAsync(Uri, "int x = ;\n");

        await InlineAsync(session, 0, 8);

        JsonElement body = Assert.Single(fake.Bodies);
        Assert.Equal("int x = ", body.GetProperty("prompt").GetString());
        Assert.False(body.TryGetProperty("suffix", out JsonElement suffix) && suffix.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task DidChangeConfiguration_NewSettings_ApplyToNextRequestAndBadFieldIsReported()
    {
        var fake = new FakeServerHandler();
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0 });
        await session.OpenAsync(Uri, "int x = ");

        await session.NotifyAsync("workspace/didChangeConfiguration", new
        {
            settings = new { codegen = new { maxTokens = 9, lines = "sideways", constrain = new { csharp = "csharp" } } },
        });
        await InlineAsync(session, 0, 8);

        JsonElement body = Assert.Single(fake.Bodies);
        Assert.Equal(9, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("csharp", body.GetProperty("constrain").GetString());
        JsonElement log = Assert.Single(session.LogMessages);
        Assert.Equal(2, log.GetProperty("type").GetInt32());
        Assert.Equal("Setting 'lines' has an invalid value \"sideways\"; it keeps its current value.", log.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completion_ServerDown_AnswersEmptyAndLogsMessage()
    {
        int closedPort = ServerProcessFixture.FreePort();
        await using var session = new LspSession();
        await session.InitializeAsync(new { serverUrl = $"http://127.0.0.1:{closedPort}", debounceMs = 0 });
        await session.OpenAsync(Uri, "int x = ");

        JsonElement response = await InlineAsync(session, 0, 8);

        Assert.Equal(0, response.GetProperty("result").GetProperty("items").GetArrayLength());
        await WaitForLogAsync(session, 1);
        JsonElement log = session.LogMessages.First();
        Assert.Equal(2, log.GetProperty("type").GetInt32());
        Assert.StartsWith($"CodeGen completion request to http://127.0.0.1:{closedPort}/ failed: ", log.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_ServerSlowerThanTimeout_AnswersEmptyInTimeAndLogsMessage()
    {
        var fake = new FakeServerHandler
        {
            Respond = async (_, token) =>
            {
                await Task.Delay(TimeSpan.FromSeconds(30), token);
                return FakeServerHandler.Ok("late");
            },
        };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0, requestTimeoutMs = 200 });
        await session.OpenAsync(Uri, "int x = ");
        var clock = Stopwatch.StartNew();

        JsonElement response = await InlineAsync(session, 0, 8);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.Equal(0, response.GetProperty("result").GetProperty("items").GetArrayLength());
        await WaitForLogAsync(session, 1);
        Assert.Equal(
            "CodeGen completion request to http://127.0.0.1:8080/ failed: no answer within 200 ms",
            session.LogMessages.First().GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completion_ServerRefusesRequest_LogsItsMessageWithoutOpeningBreaker()
    {
        var fake = new FakeServerHandler { Respond = (_, _) => Task.FromResult(FakeServerHandler.Error(HttpStatusCode.BadRequest, "constrain: 'csharp' is not available yet")) };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0, constrain = new { csharp = "csharp" } });
        await session.OpenAsync(Uri, "int x = 1;\nint y = 2;\nint z = 3;\n");

        for (int line = 0; line < 3; line++)
        {
            await InlineAsync(session, line, 10);
        }

        await InlineAsync(session, 1, 4);
        Assert.Equal(4, fake.Calls);
        await WaitForLogAsync(session, 1);
        Assert.Equal(
            "CodeGen server refused the completion request: HTTP 400: constrain: 'csharp' is not available yet",
            Assert.Single(session.LogMessages).GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completion_ServerSaysPromptTooLong_NextPromptFitsWhatItSaid()
    {
        var fake = new FakeServerHandler
        {
            Respond = (call, _) => Task.FromResult(call == 1
                ? FakeServerHandler.Error(HttpStatusCode.BadRequest, "prompt has 900 tokens; the model's context is 512 tokens, leaving no room to generate")
                : FakeServerHandler.Ok("1;")),
        };
        await using var session = new LspSession(fake);
        await session.InitializeAsync(new { debounceMs = 0 });
        string text = string.Concat(Enumerable.Range(0, 200).Select(i => $"int v{i:000} = {i};\n"));
        await session.OpenAsync(Uri, text);

        await InlineAsync(session, 100, 0);
        JsonElement second = await InlineAsync(session, 100, 0);

        JsonElement[] bodies = [.. fake.Bodies];
        int first = bodies[0].GetProperty("prompt").GetString()!.Length + bodies[0].GetProperty("suffix").GetString()!.Length;
        int next = bodies[1].GetProperty("prompt").GetString()!.Length + bodies[1].GetProperty("suffix").GetString()!.Length;
        // 512 tokens less 64 to generate, at the first prompt's 900 tokens for its characters.
        int cap = (int)(first * 448.0 / 900);
        Assert.InRange(first, 1100, 1152);
        Assert.InRange(next, cap - 20, cap);
        Assert.Equal("1;", second.GetProperty("result").GetProperty("items")[0].GetProperty("insertText").GetString());
    }

    private static Task<JsonElement> InlineAsync(LspSession session, int line, int character, string uri = Uri) =>
        session.RequestAsync("textDocument/inlineCompletion", new
        {
            textDocument = new { uri },
            position = new { line, character },
            context = new { triggerKind = 2 },
        });

    private static async Task WaitForLogAsync(LspSession session, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (session.LogMessages.Count < count)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{session.LogMessages.Count} of {count} log messages");
            await Task.Delay(10);
        }
    }
}
