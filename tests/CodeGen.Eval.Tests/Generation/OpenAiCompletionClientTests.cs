using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CodeGen.Eval.Cli;
using CodeGen.Eval.Generation;

namespace CodeGen.Eval.Tests.Generation;

// The client against a small fake OpenAI-compatible server on the loopback.
[Collection(SandboxCollection.Name)]
public sealed class OpenAiCompletionClientTests(SandboxFixture fixture) : IDisposable
{
    private readonly FakeCompletionServer _server = new();

    [Fact]
    public async Task CompleteAsync_Request_SendsOpenAiBodyAndCutsAtStop()
    {
        _server.Respond = _ => """{"choices":[{"index":1,"text":"b\ndef x","finish_reason":"stop"},{"index":0,"text":"a\nprint(1)","finish_reason":"length"}]}""";
        using var http = new HttpClient();
        var client = new OpenAiCompletionClient(http, _server.Url, "k");

        IReadOnlyList<string> texts = await client.CompleteAsync(
            new CompletionRequest("def f():\n", 2, 0.8, 64, ["\nclass", "\ndef", "\n#", "\nif", "\nprint"], "m", "python", "ngram"),
            CancellationToken.None);

        Assert.Equal(["a", "b"], texts);
        JsonElement body = Assert.Single(_server.Requests);
        Assert.Equal("""{"prompt":"def f():\n","n":2,"temperature":0.8,"max_tokens":64,"stop":["\nclass","\ndef","\n#","\nif"],"model":"m","constrain":"python","speculative":"ngram"}""", body.GetRawText());
        Assert.Equal("Bearer k", _server.Authorization);
    }

    [Fact]
    public async Task CompleteAsync_ServerError_ThrowsNamingStatusAndBody()
    {
        _server.Respond = _ => null;
        using var http = new HttpClient();
        var client = new OpenAiCompletionClient(http, _server.Url);

        CompletionClientException ex = await Assert.ThrowsAsync<CompletionClientException>(
            () => client.CompleteAsync(new CompletionRequest("x", 1, 0, 8, []), CancellationToken.None));

        Assert.Equal($"{_server.Url}v1/completions answered 400 Bad Request: {{\"error\":{{\"message\":\"bad\",\"type\":\"invalid_request_error\"}}}}", ex.Message);
    }

    [Fact]
    public void Run_Server_GeneratesAndScores()
    {
        _ = fixture;
        // Sample 0 is the reference solution of HumanEval/2, sample 1 is wrong, each followed by text past a stop.
        _server.Respond = body => body.GetProperty("prompt").GetString()!.Contains("truncate_number", StringComparison.Ordinal)
            ? """{"choices":[{"index":0,"text":"    return number % 1.0\n\ndef junk(:"},{"index":1,"text":"    return 0.0\nprint(1)"}]}"""
            : """{"choices":[{"index":0,"text":"    return None\n"},{"index":1,"text":"    return None\n"}]}""";
        string db = Path.Combine(Path.GetTempPath(), $"codegen-eval-{Guid.NewGuid():N}.db");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = EvalCommandLine.Create()
                .Parse(["run", "--benchmark", "humaneval", "--server", _server.Url.ToString(), "--samples", "2", "--temperature", "0.8", "--limit", "3", "--db", db])
                .Invoke(new InvocationConfiguration { Output = output, Error = error });

            Assert.Equal(0, exitCode);
            Assert.Equal("", error.ToString());
            // pass@1 = (0 + 0 + 1/2) / 3; pass@2 is not reported (only k = 1, 10, 100 are).
            Assert.EndsWith("pass@1=0.166667 passed=1 total=6", output.ToString().TrimEnd(), StringComparison.Ordinal);
            Assert.Equal(3, _server.Requests.Count);
            Assert.All(_server.Requests, r => Assert.Equal(2, r.GetProperty("n").GetInt32()));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (string f in Directory.GetFiles(Path.GetTempPath(), Path.GetFileName(db) + "*"))
            {
                File.Delete(f);
            }
        }
    }

    public void Dispose() => _server.Dispose();

    // Answers POST /v1/completions with Respond(body); null means 400 with an OpenAI error body.
    private sealed class FakeCompletionServer : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public FakeCompletionServer()
        {
            int port = FreePort();
            Url = new Uri($"http://127.0.0.1:{port}/");
            _listener.Prefixes.Add(Url.ToString());
            _listener.Start();
            _loop = Task.Run(ServeAsync);
        }

        public Uri Url { get; }

        public Func<JsonElement, string?> Respond { get; set; } = _ => null;

        public List<JsonElement> Requests { get; } = [];

        public string? Authorization { get; private set; }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
        }

        private async Task ServeAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                JsonElement body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
                lock (Requests)
                {
                    Requests.Add(body);
                }

                Authorization = context.Request.Headers["Authorization"];
                string? answer = context.Request.Url!.AbsolutePath == "/v1/completions" ? Respond(body) : null;
                context.Response.StatusCode = answer is null ? 400 : 200;
                context.Response.ContentType = "application/json";
                byte[] bytes = Encoding.UTF8.GetBytes(answer ?? """{"error":{"message":"bad","type":"invalid_request_error"}}""");
                await context.Response.OutputStream.WriteAsync(bytes);
                context.Response.Close();
            }
        }

        private static int FreePort()
        {
            using var socket = new TcpListener(IPAddress.Loopback, 0);
            socket.Start();
            return ((IPEndPoint)socket.LocalEndpoint).Port;
        }
    }
}
