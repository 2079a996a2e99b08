using System.Text.Json;
using CodeGen.Lsp.Completion;
using Microsoft.Extensions.Logging.Abstractions;
using Nerdbank.Streams;

namespace CodeGen.Lsp.Tests;

public sealed class LanguageServerTests : IAsyncDisposable
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"processId":4242,"clientInfo":{"name":"tests","version":"1"},"rootUri":null,"capabilities":{}}}""";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Stream _clientStream;
    private readonly LspTestClient _client;
    private readonly LanguageServer _server;
    private readonly Task<int> _run;

    public LanguageServerTests()
    {
        (Stream client, Stream server) = FullDuplexStream.CreatePair();
        _clientStream = client;
        _client = new LspTestClient(client);
        _server = new LanguageServer(new LspOptions(LspOptions.DefaultServer, ApiKey: null), NullLoggerFactory.Instance);
        _run = _server.RunAsync(server, server, CancellationToken.None);
    }

    [Fact]
    public async Task Initialize_FirstRequest_AdvertisesCapabilitiesAndServerInfo()
    {
        await _client.SendAsync(Initialize);

        JsonElement response = await _client.ReadAsync();

        Assert.Equal(1, response.GetProperty("id").GetInt32());
        Assert.Equal(
            """{"capabilities":{"positionEncoding":"utf-16","textDocumentSync":{"openClose":true,"change":2},"completionProvider":{"triggerCharacters":[".","("," "]},"inlineCompletionProvider":{}},"serverInfo":{"name":"codegen-lsp"}}""",
            response.GetProperty("result").GetRawText());
    }

    [Fact]
    public async Task DidOpenAndDidChange_FramedNotifications_UpdateDocumentThenShutdownAnswersNull()
    {
        await InitializeAsync();

        // Non-ASCII text makes Content-Length (bytes) differ from the string length; the surrogate
        // pair makes the closing quote UTF-16 character 12 (it is code point 11).
        await _client.SendAsync(
            """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/a.cs","languageId":"csharp","version":1,"text":"var s = \"\u00e9\uD83D\uDE00\";\r\nreturn s;\r\n"}}}""");
        await _client.SendAsync(
            """{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":"file:///w/a.cs","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":12},"end":{"line":1,"character":6}},"rangeLength":10,"text":"!\";\r\nreturn"},{"range":{"start":{"line":1,"character":7},"end":{"line":1,"character":8}},"text":"t"}]}}""");
        await _client.SendAsync("""{"jsonrpc":"2.0","id":2,"method":"shutdown"}""");

        JsonElement response = await _client.ReadAsync();

        Assert.Equal(2, response.GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, response.GetProperty("result").ValueKind);
        Assert.True(_server.Documents.TryGet("file:///w/a.cs", out OpenDocument? document));
        Assert.Equal(new OpenDocument("file:///w/a.cs", "csharp", 2, "var s = \"\u00e9\U0001F600!\";\r\nreturn t;\r\n"), document);
    }

    [Fact]
    public async Task DidClose_OpenDocument_RemovesIt()
    {
        await InitializeAsync();
        await _client.SendAsync(
            """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/b.py","languageId":"python","version":1,"text":"pass\n"}}}""");
        await _client.SendAsync("""{"jsonrpc":"2.0","method":"textDocument/didClose","params":{"textDocument":{"uri":"file:///w/b.py"}}}""");

        await ShutdownAsync();

        Assert.Empty(_server.Documents.Snapshot());
    }

    [Fact]
    public async Task Exit_AfterShutdown_ReturnsZero()
    {
        await InitializeAsync();
        await ShutdownAsync();

        await _client.SendAsync("""{"jsonrpc":"2.0","method":"exit"}""");

        Assert.Equal(0, await _run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Exit_WithoutShutdown_ReturnsOne()
    {
        await InitializeAsync();

        await _client.SendAsync("""{"jsonrpc":"2.0","method":"exit"}""");

        Assert.Equal(1, await _run.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Shutdown_BeforeInitialize_ErrorsServerNotInitialized()
    {
        await _client.SendAsync("""{"jsonrpc":"2.0","id":7,"method":"shutdown"}""");

        JsonElement response = await _client.ReadAsync();

        Assert.Equal(7, response.GetProperty("id").GetInt32());
        Assert.Equal(-32002, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Initialize_Twice_ErrorsInvalidRequest()
    {
        await InitializeAsync();

        await _client.SendAsync(Initialize.Replace("\"id\":1", "\"id\":3", StringComparison.Ordinal));
        JsonElement response = await _client.ReadAsync();

        Assert.Equal(3, response.GetProperty("id").GetInt32());
        Assert.Equal(-32600, response.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task DidOpen_BeforeInitialize_IsDropped()
    {
        await _client.SendAsync(
            """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":"file:///w/c.cs","languageId":"csharp","version":1,"text":"x"}}}""");

        await InitializeAsync();
        await ShutdownAsync();

        Assert.Empty(_server.Documents.Snapshot());
    }

    [Fact]
    public async Task RunAsync_ClientClosesStream_ReturnsOne()
    {
        await InitializeAsync();

        await _clientStream.DisposeAsync();

        Assert.Equal(1, await _run.WaitAsync(Timeout));
    }

    public async ValueTask DisposeAsync()
    {
        await _clientStream.DisposeAsync();
        await _run.WaitAsync(Timeout);
    }

    private async Task InitializeAsync()
    {
        await _client.SendAsync(Initialize);
        JsonElement response = await _client.ReadAsync();
        Assert.Equal(1, response.GetProperty("id").GetInt32());
        await _client.SendAsync("""{"jsonrpc":"2.0","method":"initialized","params":{}}""");
    }

    private async Task ShutdownAsync()
    {
        await _client.SendAsync("""{"jsonrpc":"2.0","id":99,"method":"shutdown"}""");
        JsonElement response = await _client.ReadAsync();
        Assert.Equal(99, response.GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, response.GetProperty("result").ValueKind);
    }
}
