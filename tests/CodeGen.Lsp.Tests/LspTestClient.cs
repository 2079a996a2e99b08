using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeGen.Lsp.Tests;

/// <summary>The client end of an LSP connection: writes and reads Content-Length framed JSON by hand.</summary>
internal sealed class LspTestClient(Stream stream)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly SemaphoreSlim _writing = new(1, 1);

    /// <summary>Writes one message; concurrent senders take turns, so frames never interleave.</summary>
    public async Task SendAsync(string json)
    {
        byte[] body = Encoding.UTF8.GetBytes(json);
        byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"Content-Length: {body.Length}\r\n\r\n"));
        await _writing.WaitAsync();
        try
        {
            await stream.WriteAsync(header);
            await stream.WriteAsync(body);
            await stream.FlushAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Reads one message; fails after 15 s rather than hanging the test run.</summary>
    public Task<JsonElement> ReadAsync() => ReadCoreAsync().WaitAsync(Timeout);

    /// <summary>Reads one message, waiting at most timeout.</summary>
    public Task<JsonElement> ReadAsync(TimeSpan timeout) => ReadCoreAsync().WaitAsync(timeout);

    private async Task<JsonElement> ReadCoreAsync()
    {
        int contentLength = -1;
        string line;
        while ((line = await ReadHeaderLineAsync()).Length > 0)
        {
            const string Name = "Content-Length:";
            if (line.StartsWith(Name, StringComparison.OrdinalIgnoreCase))
            {
                contentLength = int.Parse(line.AsSpan(Name.Length).Trim(), CultureInfo.InvariantCulture);
            }
        }

        Assert.True(contentLength > 0, "The message had no Content-Length header.");
        byte[] body = new byte[contentLength];
        await stream.ReadExactlyAsync(body);
        using JsonDocument document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    private async Task<string> ReadHeaderLineAsync()
    {
        var line = new StringBuilder();
        byte[] one = new byte[1];
        while (true)
        {
            await stream.ReadExactlyAsync(one);
            if (one[0] == '\n' && line.Length > 0 && line[^1] == '\r')
            {
                return line.ToString(0, line.Length - 1);
            }

            line.Append((char)one[0]);
        }
    }
}
