using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeGen.Bench.Lsp;

/// <summary>
/// The client end of an LSP connection, as an editor would drive it: Content-Length framed JSON written by
/// hand; a background reader matches responses to requests by id and timestamps their arrival.
/// </summary>
internal sealed class LspPipeClient : IAsyncDisposable
{
    private readonly Stream _stream;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _responses = new();
    private readonly Task _reader;
    private int _nextId;

    public LspPipeClient(Stream stream)
    {
        _stream = stream;
        _reader = Task.Run(ReadLoopAsync);
    }

    /// <summary>Sends a request; the task completes with its response message.</summary>
    public async Task<JsonElement> RequestAsync(string method, object? parameters)
    {
        int id = Interlocked.Increment(ref _nextId);
        var response = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _responses[id] = response;
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method };
        if (parameters is not null) message["params"] = JsonSerializer.SerializeToNode(parameters);
        await WriteAsync(message.ToJsonString());
        return await response.Task.WaitAsync(TimeSpan.FromSeconds(60));
    }

    public async Task NotifyAsync(string method, object? parameters)
    {
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method };
        if (parameters is not null) message["params"] = JsonSerializer.SerializeToNode(parameters);
        await WriteAsync(message.ToJsonString());
    }

    private async Task WriteAsync(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        await _writing.WaitAsync();
        try
        {
            await _stream.WriteAsync(header);
            await _stream.WriteAsync(body);
            await _stream.FlushAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                int length = -1;
                string line;
                while ((line = await ReadLineAsync()).Length > 0)
                {
                    if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                        length = int.Parse(line.AsSpan(15).Trim(), CultureInfo.InvariantCulture);
                }

                byte[] body = new byte[length];
                await _stream.ReadExactlyAsync(body);
                using JsonDocument json = JsonDocument.Parse(body);
                JsonElement message = json.RootElement.Clone();
                if (message.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.Number
                    && _responses.TryRemove(id.GetInt32(), out TaskCompletionSource<JsonElement>? waiting))
                {
                    waiting.TrySetResult(message);
                }
            }
        }
        catch (Exception e) when (e is EndOfStreamException or ObjectDisposedException or IOException or InvalidOperationException)
        {
            // The connection closed: the session is over.
        }
    }

    private async Task<string> ReadLineAsync()
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            await _stream.ReadExactlyAsync(one);
            if (one[0] == '\n' && line.Length > 0 && line[^1] == '\r') return line.ToString(0, line.Length - 1);
            line.Append((char)one[0]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _reader.WaitAsync(TimeSpan.FromSeconds(10));
        _writing.Dispose();
    }
}
