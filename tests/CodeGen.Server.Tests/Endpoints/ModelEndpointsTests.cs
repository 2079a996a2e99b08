using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using CodeGen.Server.Commands;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Endpoints;

public sealed class ModelEndpointsTests
{
    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<(WebApplication App, HttpClient Client)> StartAsync(string? apiKey = null)
    {
        int port = FreePort();
        var app = ServeCommand.Build(new ServeOptions(Fixtures.Stories260K, "127.0.0.1", port, apiKey, CPU, float32), []);
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        return (app, client);
    }

    private static async Task<JsonElement> WaitHealthyAsync(HttpClient client)
    {
        for (int i = 0; i < 200; i++)
        {
            HttpResponseMessage response = await client.GetAsync("/health");
            if (response.StatusCode == HttpStatusCode.OK) return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            await Task.Delay(50);
        }
        throw new TimeoutException("model did not load in 10 s");
    }

    [Fact]
    public async Task Health_AfterLoad_OkWithModelName()
    {
        (WebApplication app, HttpClient client) = await StartAsync();
        await using (app)
        using (client)
        {
            JsonElement health = await WaitHealthyAsync(client);
            Assert.Equal("ok", health.GetProperty("status").GetString());
            Assert.Equal("stories260K", health.GetProperty("model").GetString());
            JsonElement models = JsonDocument.Parse(await client.GetStringAsync("/v1/models")).RootElement;
            Assert.Equal("list", models.GetProperty("object").GetString());
            Assert.Equal("stories260K", models.GetProperty("data")[0].GetProperty("id").GetString());
            Assert.Equal(512, models.GetProperty("data")[0].GetProperty("max_model_len").GetInt32());
        }
    }

    [Fact]
    public async Task Models_WithApiKeyConfigured_401WithoutKeyAnd200WithIt()
    {
        (WebApplication app, HttpClient client) = await StartAsync("s3cret");
        await using (app)
        using (client)
        {
            HttpResponseMessage denied = await client.GetAsync("/v1/models");
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            JsonElement error = JsonDocument.Parse(await denied.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("authentication_error", error.GetProperty("type").GetString());

            var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret");
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);
            await WaitHealthyAsync(client); // /health stays open without a key
        }
    }

    [Fact]
    public void Validate_NonLoopbackWithoutKey_Refuses()
    {
        var options = new ServeOptions(Fixtures.Stories260K, "0.0.0.0", 8080, null, CPU, float32);
        Assert.Equal("--host 0.0.0.0 exposes the server beyond loopback: --api-key is required", Assert.Throws<ArgumentException>(options.Validate).Message);
        new ServeOptions(Fixtures.Stories260K, "0.0.0.0", 8080, "k", CPU, float32).Validate();
        Assert.True(new ServeOptions(Fixtures.Stories260K, "127.0.0.1", 8080, null, CPU, float32).IsLoopback);
        Assert.True(new ServeOptions(Fixtures.Stories260K, "::1", 8080, null, CPU, float32).IsLoopback);
    }
}
