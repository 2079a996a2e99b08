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

    [Fact]
    public void Run_ConstrainedPromptTheServerCallsNotViable_JudgedWithAnEmptyCompletionAndTheRunGoesOn()
    {
        _ = fixture;
        // HumanEval/2's prompt is refused as the server refuses prompts that are not valid code under a constraint.
        _server.Status = body => body.GetProperty("prompt").GetString()!.Contains("truncate_number", StringComparison.Ordinal) ? 400 : 200;
        _server.Respond = body => body.GetProperty("prompt").GetString()!.Contains("truncate_number", StringComparison.Ordinal)
            ? """{"error":{"message":"constrain: the prompt is not the beginning of valid python code (line 3: unexpected indent), so no completion can satisfy the constraint","type":"invalid_request_error"}}"""
            : """{"choices":[{"index":0,"text":"    return None\n"}]}""";
        string db = Path.Combine(Path.GetTempPath(), $"codegen-eval-{Guid.NewGuid():N}.db");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = EvalCommandLine.Create()
                .Parse(["run", "--benchmark", "humaneval", "--server", _server.Url.ToString(), "--constrain", "python", "--limit", "3", "--db", db, "--name", "nv"])
                .Invoke(new InvocationConfiguration { Output = output, Error = error });

            Assert.True(exitCode == 0, error.ToString());
            Assert.EndsWith("pass@1=0 passed=0 total=3", output.ToString().TrimEnd(), StringComparison.Ordinal);
            Assert.Equal(3, _server.Requests.Count);
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db}");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "select completion, status from samples where problem = 'HumanEval/2'";
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());
            Assert.Equal("", reader.GetString(0));
            Assert.NotEqual("prompt_too_long", reader.GetString(1));
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

    [Theory]
    [InlineData("""{"error":{"message":"prompt has 706 tokens; the model's context is 512 tokens, leaving no room to generate","type":"invalid_request_error"}}""", 706, 512)]
    [InlineData("""{"object":"error","message":"This model's maximum context length is 2048 tokens. However, you requested 2100 tokens (1972 in the messages, 128 in the completion).","type":"BadRequestError"}""", 1972, 2048)]
    [InlineData("""{"error":{"message":"This model's maximum context length is 4097 tokens, however you requested 5000 tokens (4872 in your prompt; 128 for the completion).","type":"invalid_request_error"}}""", 4872, 4097)]
    public async Task CompleteAsync_PromptTooLong400_ThrowsPromptTooLongWithTheNumbers(string body, int promptTokens, int context)
    {
        _server.Respond = _ => body;
        _server.Status = _ => 400;
        using var http = new HttpClient();
        var client = new OpenAiCompletionClient(http, _server.Url);

        PromptTooLongException ex = await Assert.ThrowsAsync<PromptTooLongException>(
            () => client.CompleteAsync(new CompletionRequest("x", 1, 0, 128, []), CancellationToken.None));

        Assert.Equal((promptTokens, 128, context), (ex.PromptTokens!.Value, ex.MaxTokens, ex.Context!.Value));
        Assert.StartsWith($"prompt_too_long: prompt {promptTokens} tokens + max_tokens 128 > context {context} tokens (server: ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ContextAsync_ModelsList_ReadsMaxModelLenOfTheNamedModelOrNull()
    {
        using var http = new HttpClient();
        var client = new OpenAiCompletionClient(http, _server.Url);
        Assert.Null(await client.ContextAsync(null, CancellationToken.None)); // 404

        _server.Models = """{"object":"list","data":[{"id":"a","max_model_len":512},{"id":"b","max_model_len":2048}]}""";
        Assert.Equal(512, await client.ContextAsync(null, CancellationToken.None));
        Assert.Equal(2048, await client.ContextAsync("b", CancellationToken.None));

        _server.Models = """{"object":"list","data":[{"id":"a"}]}""";
        Assert.Null(await client.ContextAsync(null, CancellationToken.None));
    }

    [Fact]
    public async Task AdapterAsync_ModelListedWithAParent_IsTheAdapter_BaseOrUnknownIsNone()
    {
        using var http = new HttpClient();
        var client = new OpenAiCompletionClient(http, _server.Url);
        Assert.Null(await client.AdapterAsync("alpha", CancellationToken.None)); // 404

        // The fake answers every GET with this body: /v1/models's data, and /health's merged "adapter".
        _server.Models = """{"status":"ok","adapter":"merged-lora","object":"list","data":[{"id":"tiny","parent":null},{"id":"alpha","parent":"tiny"}]}""";
        Assert.Equal("alpha", await client.AdapterAsync("alpha", CancellationToken.None));
        Assert.Null(await client.AdapterAsync("tiny", CancellationToken.None));
        Assert.Null(await client.AdapterAsync("gamma", CancellationToken.None));
        Assert.Equal("merged-lora", await client.AdapterAsync(null, CancellationToken.None));
    }

    [Theory]
    [InlineData("alpha", "alpha")]
    [InlineData("tiny", null)]
    public void Run_ModelNamesAnAdapter_RequestsSendItAndTheRunConfigurationRecordsIt(string model, string? adapter)
    {
        _ = fixture;
        _server.Models = """{"object":"list","data":[{"id":"tiny","max_model_len":4096,"parent":null},{"id":"alpha","max_model_len":4096,"parent":"tiny"}]}""";
        _server.Respond = _ => """{"choices":[{"index":0,"text":"    return []\n"}],"usage":{"prompt_tokens":30,"completion_tokens":4,"total_tokens":34}}""";
        string db = Path.Combine(Path.GetTempPath(), $"codegen-eval-{Guid.NewGuid():N}.db");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = EvalCommandLine.Create()
                .Parse(["run", "--benchmark", "humaneval", "--server", _server.Url.ToString(), "--model", model, "--limit", "1", "--db", db, "--name", "adapted"])
                .Invoke(new InvocationConfiguration { Output = output, Error = error });

            Assert.Equal(0, exitCode);
            lock (_server.Requests) Assert.All(_server.Requests, r => Assert.Equal(model, r.GetProperty("model").GetString()));
            using CodeGen.Eval.Storage.ResultStore store = CodeGen.Eval.Storage.ResultStore.OpenReadOnly(db);
            CodeGen.Eval.Storage.RunSummary run = store.FindRun("adapted")!;
            Assert.Equal(model, run.Model);
            using JsonDocument configuration = JsonDocument.Parse(run.Configuration);
            JsonElement recorded = configuration.RootElement.GetProperty("adapter");
            Assert.Equal(adapter, recorded.ValueKind == JsonValueKind.Null ? null : recorded.GetString());
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

    [Fact]
    public void Run_PromptsTooLongForTheContext_RecordedWithNumbersRunGoesOnAndMinPassFails()
    {
        _ = fixture;
        // Context 100, --max-tokens 64. HumanEval/0: the server refuses the prompt (400). HumanEval/1: usage says
        // 60 prompt tokens, 60 + 64 > 100. HumanEval/2: 30 + 64 fits, and the completion is the reference solution.
        _server.Models = """{"object":"list","data":[{"id":"tiny","max_model_len":100}]}""";
        _server.Status = body => body.GetProperty("prompt").GetString()!.Contains("has_close_elements", StringComparison.Ordinal) ? 400 : 200;
        _server.Respond = body =>
        {
            string prompt = body.GetProperty("prompt").GetString()!;
            return prompt.Contains("has_close_elements", StringComparison.Ordinal)
                ? """{"error":{"message":"prompt has 120 tokens; the model's context is 100 tokens, leaving no room to generate","type":"invalid_request_error"}}"""
                : prompt.Contains("truncate_number", StringComparison.Ordinal)
                    ? """{"choices":[{"index":0,"text":"    return number % 1.0\n"}],"usage":{"prompt_tokens":30,"completion_tokens":9,"total_tokens":39}}"""
                    : """{"choices":[{"index":0,"text":"    return []\n"}],"usage":{"prompt_tokens":60,"completion_tokens":4,"total_tokens":64}}""";
        };
        string db = Path.Combine(Path.GetTempPath(), $"codegen-eval-{Guid.NewGuid():N}.db");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int exitCode = EvalCommandLine.Create()
                .Parse(["run", "--benchmark", "humaneval", "--server", _server.Url.ToString(), "--max-tokens", "64", "--limit", "3", "--db", db, "--name", "long", "--min-pass", "0.5"])
                .Invoke(new InvocationConfiguration { Output = output, Error = error });

            Assert.Equal(1, exitCode);
            Assert.Equal("pass@1 0.333333 is below --min-pass 0.5\n", error.ToString());
            string[] lines = output.ToString().TrimEnd().Split('\n');
            Assert.Equal("pass@1=0.333333 passed=1 total=3", lines[^1]);
            Assert.Equal("prompt_too_long: 2 of 3 problems did not fit the model's context with the requested max_tokens (not run, counted as failures; each sample's stderr gives the numbers)", lines[^2]);
            Assert.Equal("statuses: passed=1 prompt_too_long=2", lines[^3]);

            using CodeGen.Eval.Storage.ResultStore store = CodeGen.Eval.Storage.ResultStore.OpenReadOnly(db);
            var samples = store.GetSamples(store.FindRun("long")!.Id).ToDictionary(s => s.Problem);
            Assert.Equal(("prompt_too_long", ""), (samples["HumanEval/0"].Status, samples["HumanEval/0"].Completion));
            Assert.Equal(
                "prompt_too_long: prompt 120 tokens + max_tokens 64 > context 100 tokens (server: prompt has 120 tokens; the model's context is 100 tokens, leaving no room to generate)",
                samples["HumanEval/0"].Stderr);
            Assert.Equal(("prompt_too_long", "prompt_too_long: prompt 60 tokens + max_tokens 64 > context 100 tokens"), (samples["HumanEval/1"].Status, samples["HumanEval/1"].Stderr));
            Assert.Equal("passed", samples["HumanEval/2"].Status);
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

        // Status of a non-null answer of Respond (200 unless a test answers errors with their own bodies).
        public Func<JsonElement, int> Status { get; set; } = _ => 200;

        // The body of GET /v1/models; null means 404.
        public string? Models { get; set; }

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

                if (context.Request.HttpMethod == "GET")
                {
                    context.Response.StatusCode = Models is null ? 404 : 200;
                    context.Response.ContentType = "application/json";
                    await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes(Models ?? "{}"));
                    context.Response.Close();
                    continue;
                }

                using var reader = new StreamReader(context.Request.InputStream);
                JsonElement body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
                lock (Requests)
                {
                    Requests.Add(body);
                }

                Authorization = context.Request.Headers["Authorization"];
                string? answer = context.Request.Url!.AbsolutePath == "/v1/completions" ? Respond(body) : null;
                context.Response.StatusCode = answer is null ? 400 : Status(body);
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
