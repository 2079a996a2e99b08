using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using CodeGen.Server.Commands;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Engine;

public sealed class EngineSoakTests : IDisposable
{
    private readonly string _model = TinyModels.SaveServable(Directory.CreateTempSubdirectory("codegen-soak-").FullName);

    public void Dispose() => Directory.Delete(_model, recursive: true);

    [Fact]
    public async Task ClientsDisconnectMidGeneration_24Times_ServerStillServesHoldsNothingAndStopsFast()
    {
        // max_batch 2 + max_queue 2: before the fix, the 5th of these 24 disconnects left every new request answered 429.
        // Each step is slowed to 5 ms, so a 300-token stream takes 1.5 s and every disconnect lands while it generates.
        TestBackend? backend = null;
        int port = ServerFixture.FreePort();
        var options = new ServeOptions(_model, "127.0.0.1", port, null, CPU, float32) { Engine = new EngineOptions { MaxBatch = 2, MaxQueue = 2 } };
        WebApplication app = ServeCommand.Build(options, [], b => backend = new TestBackend(b) { Delay = TimeSpan.FromMilliseconds(5) });
        await app.StartAsync();
        // A client that hangs up: disposing a response closes the connection instead of draining the rest of it.
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var client = new HttpClient(handler) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        await ServerFixture.WaitHealthyAsync(client);
        var engine = (EngineLoop)app.Services.GetService(typeof(EngineLoop))!;
        var metrics = (EngineMetrics)app.Services.GetService(typeof(EngineMetrics))!;
        int streamed = 0;
        for (int i = 0; i < 24; i++)
        {
            bool stream = i % 4 != 3; // most stream; every fourth waits for one JSON body
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = JsonContent.Create(new { prompt = "def f(x):", max_tokens = 300, temperature = 0.9, seed = i, stream, logit_bias = new Dictionary<string, int> { ["1018"] = -100 } }),
            };
            using var leave = new CancellationTokenSource();
            int stepsBefore = backend!.StepCount;
            Task<HttpResponseMessage> sent = client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, leave.Token);
            // Wait until the engine has run a few steps for it (it is the only request), then hang up.
            for (int t = 0; t < 1000 && backend.StepCount < stepsBefore + 3; t++) await Task.Delay(2);
            Assert.True(backend.StepCount >= stepsBefore + 3, $"request {i} never started generating");
            if (stream)
            {
                using HttpResponseMessage response = await sent;
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
                Assert.StartsWith("data: ", await reader.ReadLineAsync());
            }
            await leave.CancelAsync();
            try
            {
                (await sent).Dispose();
            }
            catch (OperationCanceledException)
            {
                // the non-streaming client gave up before its response
            }
            // A streaming disconnect is seen at the next write; a non-streaming one when Kestrel notices the closed
            // connection (not always before max_tokens here). Either way the sequence must end and give its place back.
            for (int t = 0; t < 800 && engine.InFlight > 0; t++) await Task.Delay(5);
            Assert.Equal(0, engine.InFlight);
            if (stream) streamed++;
        }
        Assert.True(metrics.FinishedWith("cancelled") >= streamed,
            $"cancelled {metrics.FinishedWith("cancelled")} of {streamed} streams, length {metrics.FinishedWith("length")}, error {metrics.FinishedWith("error")}");
        Assert.Equal(24, metrics.FinishedWith("cancelled") + metrics.FinishedWith("length"));
        Assert.Equal(0, backend!.UsedBlocks);
        HttpResponseMessage ok = await client.PostAsJsonAsync("/v1/completions", new { prompt = "x", max_tokens = 3 });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        string text = await client.GetStringAsync("/metrics");
        Assert.Contains("codegen_queue_depth 0", text);
        Assert.Contains("codegen_kv_cache_blocks_used 0", text);
        var watch = Stopwatch.StartNew();
        await app.StopAsync();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"shutdown took {watch.Elapsed.TotalSeconds:F1} s with nothing running");
        await app.DisposeAsync();
    }
}
