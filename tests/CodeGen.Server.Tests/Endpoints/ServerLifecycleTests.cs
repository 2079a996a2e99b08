using System.ClientModel;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using OpenAI;
using OpenAI.Chat;

namespace CodeGen.Server.Tests.Endpoints;

public sealed class ServerLifecycleTests : IDisposable
{
    private readonly string _model = TinyModels.SaveServable(Directory.CreateTempSubdirectory("codegen-life-").FullName, chatTemplate: true);

    public void Dispose() => Directory.Delete(_model, recursive: true);

    [Fact]
    public async Task Saturated_OneSlotNoQueue_SecondRequest429WithRetryAfter()
    {
        (WebApplication app, HttpClient client) = await ServerFixture.StartAsync(_model, new EngineOptions { MaxBatch = 1, MaxQueue = 0 });
        await using (app)
        using (client)
        {
            var longRequest = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
            {
                Content = JsonContent.Create(new { prompt = "x = ", max_tokens = 200, stream = true, stop = new[] { "\u0001" }, temperature = 0.9, seed = 3 }),
            };
            using HttpResponseMessage streaming = await client.SendAsync(longRequest, HttpCompletionOption.ResponseHeadersRead);
            HttpResponseMessage rejected = await client.PostAsJsonAsync("/v1/completions", new { prompt = "y = ", max_tokens = 2 });
            Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
            Assert.Equal("1", rejected.Headers.GetValues("Retry-After").Single());
            JsonElement error = JsonDocument.Parse(await rejected.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            Assert.Equal("server is busy (queue full); retry later", error.GetProperty("message").GetString());
        }
    }

    [Fact]
    public async Task ApiKey_Completions_401WithoutKey200WithKey()
    {
        (WebApplication app, HttpClient client) = await ServerFixture.StartAsync(_model, new EngineOptions(), apiKey: "k3y");
        await using (app)
        using (client)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/v1/completions", new { prompt = "a", max_tokens = 1 })).StatusCode);
            client.DefaultRequestHeaders.Authorization = new("Bearer", "k3y");
            Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/v1/completions", new { prompt = "a", max_tokens = 1 })).StatusCode);
        }
    }

    [Fact]
    public async Task Shutdown_WhileGenerating_RunningRequestFinishes()
    {
        (WebApplication app, HttpClient client) = await ServerFixture.StartAsync(_model, new EngineOptions());
        using (client)
        {
            Task<HttpResponseMessage> running = client.PostAsJsonAsync("/v1/completions", new { prompt = "def f():", max_tokens = 60, temperature = 0.9, seed = 2, stop = new[] { "\u0001" } });
            await Task.Delay(100);
            await app.StopAsync(); // graceful: drains the running request
            HttpResponseMessage response = await running;
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            JsonElement body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Contains(body.GetProperty("choices")[0].GetProperty("finish_reason").GetString(), new[] { "length", "stop" });
            await app.DisposeAsync();
        }
    }

    [Fact]
    public async Task OpenAiSdk_ChatAndStreamingAndModels_Work()
    {
        (WebApplication app, HttpClient client) = await ServerFixture.StartAsync(_model, new EngineOptions(), apiKey: "sdk-key");
        await using (app)
        using (client)
        {
            var options = new OpenAIClientOptions { Endpoint = new Uri(client.BaseAddress!, "/v1") };
            string modelName = Path.GetFileName(_model);
            var openai = new OpenAIClient(new ApiKeyCredential("sdk-key"), options);
            ChatClient chat = openai.GetChatClient(modelName);
            var settings = new ChatCompletionOptions { MaxOutputTokenCount = 8, Temperature = 0 };
            ChatCompletion completion = (await chat.CompleteChatAsync([new UserChatMessage("Say hi.")], settings)).Value;
            Assert.Equal(ChatMessageRole.Assistant, completion.Role);
            Assert.True(completion.Usage.OutputTokenCount is > 0 and <= 8);

            var streamed = new System.Text.StringBuilder();
            await foreach (StreamingChatCompletionUpdate update in chat.CompleteChatStreamingAsync([new UserChatMessage("Say hi.")], settings))
                foreach (var part in update.ContentUpdate) streamed.Append(part.Text);
            Assert.Equal(completion.Content.Count == 0 ? "" : completion.Content[0].Text, streamed.ToString());

            var models = (await openai.GetOpenAIModelClient().GetModelsAsync()).Value;
            Assert.Equal(modelName, Assert.Single(models).Id);
        }
    }
}
