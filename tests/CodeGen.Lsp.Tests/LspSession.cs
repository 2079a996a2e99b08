using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Nerdbank.Streams;

namespace CodeGen.Lsp.Tests;

/// <summary>
/// An in-process language server on one end of a full-duplex pipe and a client on the other that reads every
/// message in the background: responses are matched to requests by id, notifications (window/logMessage)
/// are collected.
/// </summary>
internal sealed class LspSession : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly Stream _clientStream;
    private readonly LspTestClient _client;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _responses = new();
    private readonly Task _pump;
    private int _nextId;

    public LspSession(HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        (Stream client, Stream server) = FullDuplexStream.CreatePair();
        _clientStream = client;
        _client = new LspTestClient(client);
        Server = new LanguageServer(new LspOptions(LspOptions.DefaultServer, ApiKey: null), NullLoggerFactory.Instance, handler, time);
        Run = Server.RunAsync(server, server, CancellationToken.None);
        _pump = Task.Run(PumpAsync);
    }

    public LanguageServer Server { get; }

    public Task<int> Run { get; }

    /// <summary>window/logMessage notifications received, in order.</summary>
    public ConcurrentQueue<JsonElement> LogMessages { get; } = new();

    /// <summary>Any other message: responses without a numeric id (a parse error's), requests from the server.</summary>
    public ConcurrentQueue<JsonElement> Others { get; } = new();

    public Task<JsonElement> InitializeAsync(object initializationOptions, object? capabilities = null, string? rootUri = null) =>
        RequestAsync("initialize", new
        {
            processId = (int?)null,
            clientInfo = new { name = "tests", version = "1" },
            rootUri,
            capabilities = capabilities ?? new { },
            initializationOptions,
        });

    public async Task OpenAsync(string uri, string text, string languageId = "csharp", int version = 1) =>
        await NotifyAsync("textDocument/didOpen", new { textDocument = new { uri, languageId, version, text } });

    public async Task InsertAsync(string uri, int version, int line, int character, string text) =>
        await NotifyAsync("textDocument/didChange", new
        {
            textDocument = new { uri, version },
            contentChanges = new[] { new { range = Range(line, character, line, character), text } },
        });

    public static object Range(int startLine, int startCharacter, int endLine, int endCharacter) => new
    {
        start = new { line = startLine, character = startCharacter },
        end = new { line = endLine, character = endCharacter },
    };

    /// <summary>Sends a request and returns its response (result or error).</summary>
    public Task<JsonElement> RequestAsync(string method, object? parameters) => Start(method, parameters).Response;

    /// <summary>Sends a request and returns its id and the response to come (for $/cancelRequest).</summary>
    public (int Id, Task<JsonElement> Response) Start(string method, object? parameters)
    {
        int id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _responses[id] = response;
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method };
        if (parameters is not null)
        {
            message["params"] = JsonSerializer.SerializeToNode(parameters);
        }

        return (id, SendThenWaitAsync(message.ToJsonString(), response.Task));
    }

    public async Task NotifyAsync(string method, object? parameters)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (parameters is not null)
        {
            message["params"] = JsonSerializer.SerializeToNode(parameters);
        }

        await _client.SendAsync(message.ToJsonString());
    }

    public Task SendRawAsync(string json) => _client.SendAsync(json);

    /// <summary>Waits for the response to a raw request with this id.</summary>
    public Task<JsonElement> ResponseAsync(int id) =>
        _responses.GetOrAdd(id, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Timeout);

    public async Task ShutdownAndExitAsync()
    {
        JsonElement response = await RequestAsync("shutdown", null);
        Assert.Equal(JsonValueKind.Null, response.GetProperty("result").ValueKind);
        await NotifyAsync("exit", null);
        Assert.Equal(0, await Run.WaitAsync(Timeout));
    }

    private async Task<JsonElement> SendThenWaitAsync(string json, Task<JsonElement> response)
    {
        await _client.SendAsync(json);
        return await response.WaitAsync(Timeout);
    }

    private async Task PumpAsync()
    {
        try
        {
            while (true)
            {
                JsonElement message = await _client.ReadAsync(System.Threading.Timeout.InfiniteTimeSpan);
                if (message.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number && !message.TryGetProperty("method", out _))
                {
                    _responses.GetOrAdd(id.GetInt32(), _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously))
                        .TrySetResult(message);
                }
                else if (message.TryGetProperty("method", out JsonElement method) && method.GetString() == "window/logMessage")
                {
                    LogMessages.Enqueue(message.GetProperty("params").Clone());
                }
                else
                {
                    Others.Enqueue(message);
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or ObjectDisposedException or IOException or OperationCanceledException or InvalidOperationException)
        {
            // The server closed the connection: the session is over.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _clientStream.DisposeAsync();
        await Run.WaitAsync(Timeout);
        await _pump.WaitAsync(Timeout);
    }
}
