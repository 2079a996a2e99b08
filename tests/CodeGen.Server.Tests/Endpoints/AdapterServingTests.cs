using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CodeGen.Model;
using CodeGen.Server.Commands;
using CodeGen.Server.Engine;
using CodeGen.Server.Tests.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Endpoints;

/// <summary>Two adapters served unmerged beside the base model over HTTP (--adapter alpha=DIR --adapter beta=DIR).</summary>
public sealed class AdapterServingTests(AdapterModels models) : IClassFixture<AdapterModels>
{
    private static readonly int[] Prompt = [5, 300, 17, 900, 42, 7, 77, 512];

    private async Task<(WebApplication App, HttpClient Client)> StartAsync()
    {
        int port = ServerFixture.FreePort();
        var options = new ServeOptions(models.Base, "127.0.0.1", port, null, CPU, float32) { Adapters = models.Specs };
        WebApplication app = ServeCommand.Build(options, []);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        for (int i = 0; i < 400 && (await client.GetAsync("/health")).StatusCode != HttpStatusCode.OK; i++) await Task.Delay(25);
        return (app, client);
    }

    [Fact]
    public async Task Completions_ModelPicksAdapterOrBase_LogprobsEqualTheMergedModels()
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            // No model field and the base model's id both mean the base model; each adapter by its name.
            (string? Model, string? Adapter)[] cases = [(null, null), ("base", null), ("alpha", models.Alpha), ("beta", models.Beta)];
            var seen = new List<string>();
            foreach ((string? model, string? adapter) in cases)
            {
                object body = model is null
                    ? new { prompt = Prompt, max_tokens = 6, temperature = 0, logprobs = 1 }
                    : new { model, prompt = Prompt, max_tokens = 6, temperature = 0, logprobs = 1 };
                HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", body);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                JsonElement root = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.Equal(model ?? "base", root.GetProperty("model").GetString());
                float[] served = [.. root.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("token_logprobs").EnumerateArray().Select(e => e.GetSingle())];
                List<float> expected = models.Reference(adapter, Prompt, 6, stopId: 1018).Logprobs;
                Assert.Equal(expected.Count, served.Length);
                for (int i = 0; i < served.Length; i++) Assert.Equal(expected[i], served[i], 4);
                seen.Add(root.GetProperty("choices")[0].GetProperty("text").GetString()!);
            }
            Assert.Equal(seen[0], seen[1]);
            Assert.Equal(3, seen.Distinct().Count()); // base, alpha and beta each answer differently
        }
    }

    [Fact]
    public async Task ModelsAndHealth_ListTheBaseAndEachAdapterWithItsParent()
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            JsonElement health = JsonDocument.Parse(await client.GetStringAsync("/health")).RootElement;
            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal(["alpha", "beta"], health.GetProperty("adapters").EnumerateArray().Select(e => e.GetString()));
            JsonElement data = JsonDocument.Parse(await client.GetStringAsync("/v1/models")).RootElement.GetProperty("data");
            Assert.Equal(["base", "alpha", "beta"], data.EnumerateArray().Select(m => m.GetProperty("id").GetString()));
            Assert.Equal(JsonValueKind.Null, data[0].GetProperty("parent").ValueKind);
            Assert.Equal("base", data[1].GetProperty("parent").GetString());
            Assert.Equal("base", data[2].GetProperty("parent").GetString());
            Assert.All(data.EnumerateArray(), m => Assert.Equal(256, m.GetProperty("max_model_len").GetInt32()));
        }
    }

    [Fact]
    public async Task Completions_UnknownModel_404ModelNotFoundNamingItAndTheServedOnes()
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", new { model = "gamma", prompt = Prompt, max_tokens = 2 });
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            JsonElement error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("model 'gamma' is not served here; this server serves 'base', 'alpha', 'beta'", error.GetProperty("message").GetString());
            Assert.Equal("model_not_found", error.GetProperty("code").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode); // still serving
        }
    }

    [Fact]
    public void Adapter_BadDirectory_FailsAtStartNamingIt()
    {
        string missing = Path.Combine(Path.GetTempPath(), "codegen-no-adapter-" + Guid.NewGuid().ToString("N"));
        var options = new ServeOptions(models.Base, "127.0.0.1", ServerFixture.FreePort(), null, CPU, float32) { Adapters = [new("good", models.Alpha), new("bad", missing)] };
        var e = Assert.Throws<ModelLoadException>(() => ServeCommand.Build(options, []));
        Assert.Equal($"Adapter directory not found: {missing}", e.Message);
    }

    [Theory]
    [InlineData("base", "--adapter base=")]
    [InlineData("alpha", "--adapter: the name 'alpha' is given twice")]
    public void Adapter_NameOfTheBaseOrRepeated_FailsAtStartNamingIt(string name, string message)
    {
        var options = new ServeOptions(models.Base, "127.0.0.1", ServerFixture.FreePort(), null, CPU, float32) { Adapters = [new("alpha", models.Alpha), new(name, models.Beta)] };
        var e = Assert.Throws<ArgumentException>(() => ServeCommand.Build(options, []));
        Assert.StartsWith(message, e.Message);
    }

    [Fact]
    public void AdapterSpec_NameEqualsDirOrDirAlone_OldFormNamedAfterTheDirectory()
    {
        Assert.Equal(new AdapterSpec("sql", "/models/lora=v2"), AdapterSpec.Parse("sql=/models/lora=v2"));
        Assert.Equal(new AdapterSpec("my-lora", "/tmp/x/my-lora/"), AdapterSpec.Parse("/tmp/x/my-lora/"));
        Assert.Equal(new AdapterSpec("b=c", "./a/b=c"), AdapterSpec.Parse("./a/b=c")); // a path with '=' after a separator is a DIR
        Assert.Equal("--adapter =dir: expected NAME=DIR with both parts non-empty", Assert.Throws<ArgumentException>(() => AdapterSpec.Parse("=dir")).Message);
        Assert.Equal("--adapter sql=: expected NAME=DIR with both parts non-empty", Assert.Throws<ArgumentException>(() => AdapterSpec.Parse("sql=")).Message);
    }

    [Fact]
    public async Task Serve_AdapterFlagRepeatedWithOneName_ExitCode1NamingIt()
    {
        // Through the command line: --adapter NAME=DIR repeats, and the clash is found before the weights load.
        (int exit, string stderr) = await RunServerAsync("--model", models.Base, "--port", "0", "--adapter", $"alpha={models.Alpha}", "--adapter", $"alpha={models.Beta}");
        Assert.Equal(1, exit);
        Assert.Equal("error: --adapter: the name 'alpha' is given twice; each adapter needs its own name (NAME=DIR)\n", stderr);
    }

    [Fact]
    public async Task Serve_AdapterWithAGgufModel_ExitCode1SaysMergeFirst()
    {
        string gguf = Path.Combine(Path.GetTempPath(), "codegen-adapter-" + Guid.NewGuid().ToString("N") + ".gguf");
        File.WriteAllBytes(gguf, "GGUF"u8.ToArray());
        try
        {
            (int exit, string stderr) = await RunServerAsync("--model", gguf, "--port", "0", "--adapter", models.Alpha);
            Assert.Equal(1, exit);
            Assert.Equal("error: --adapter applies to the TorchSharp backend; merge the adapter before exporting the GGUF file\n", stderr);
        }
        finally
        {
            File.Delete(gguf);
        }
    }

    private static async Task<(int Exit, string Stderr)> RunServerAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "server.dll"));
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
