using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using CodeGen.Server.Commands;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests;

/// <summary>A real Kestrel server on a free loopback port over a tiny servable model (with a ChatML template).</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string ModelDirectory { get; } = Directory.CreateTempSubdirectory("codegen-served-").FullName;

    public HttpClient Client { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    internal EngineOptions Engine { get; init; } = new() { MaxBatch = 4, MaxQueue = 64 };

    internal EngineLoop EngineLoop => _app!.Services.GetService(typeof(EngineLoop)) as EngineLoop ?? throw new InvalidOperationException();

    public async Task InitializeAsync()
    {
        TinyModels.SaveServable(ModelDirectory, chatTemplate: true);
        (_app, Client) = await StartAsync(ModelDirectory, Engine);
        BaseAddress = Client.BaseAddress!;
    }

    internal static async Task<(WebApplication, HttpClient)> StartAsync(string model, EngineOptions engine, string? apiKey = null)
    {
        int port = FreePort();
        var options = new ServeOptions(model, "127.0.0.1", port, apiKey, CPU, float32) { Engine = engine };
        WebApplication app = ServeCommand.Build(options, []);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        HttpStatusCode health = HttpStatusCode.ServiceUnavailable;
        for (int i = 0; i < 400 && (health = (await client.GetAsync("/health")).StatusCode) != HttpStatusCode.OK; i++) await Task.Delay(25);
        if (health != HttpStatusCode.OK)
        {
            await app.StopAsync();
            throw new InvalidOperationException($"the server on port {port} did not become healthy within 10 s: GET /health answered {(int)health}");
        }

        return (app, client);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object body)
    {
        HttpResponseMessage response = await Client.PostAsJsonAsync(path, body);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostRawAsync(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        HttpResponseMessage response = await Client.PostAsync(path, content);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement);
    }

    public async Task<double> MetricAsync(string name)
    {
        string text = await Client.GetStringAsync("/metrics");
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(name.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null) await _app.DisposeAsync();
        Directory.Delete(ModelDirectory, recursive: true);
    }
}
