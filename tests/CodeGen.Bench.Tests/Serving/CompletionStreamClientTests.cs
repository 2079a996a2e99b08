using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CodeGen.Bench.Serving;

namespace CodeGen.Bench.Tests.Serving;

public sealed class CompletionStreamClientTests
{
    private static string Event(string text, string? finish = null) =>
        "data: " + new JsonObject
        {
            ["object"] = "text_completion",
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["text"] = text, ["finish_reason"] = finish }),
        }.ToJsonString() + "\n\n";

    [Fact]
    public async Task CompleteAsync_StreamEndingWithDone_CountsTextEventsAndTimesGaps()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("a") + ": keep-alive\n\n" + Event("b") + Event("") + Event("c", "length") + "data: [DONE]\n\n");

        StreamResult result = await Client(handler).CompleteAsync("def f():", 8, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Null(result.Error);
        Assert.False(result.Disconnected);
        Assert.Equal(3, result.Tokens);
        Assert.NotNull(result.TimeToFirstToken);
        Assert.Equal(2, result.InterTokenLatencies.Count);
        var body = JsonNode.Parse(handler.RequestBody!)!.AsObject();
        Assert.Equal("""{"prompt":"def f():","max_tokens":8,"temperature":0,"stream":true,"model":"m"}""", body.ToJsonString());
        Assert.Equal("http://127.0.0.1:8080/v1/completions", handler.RequestUri!.ToString());
        Assert.Equal("Bearer k", handler.Authorization);
    }

    [Fact]
    public async Task CompleteAsync_UsageEvent_TokensFromUsage()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("ab") + """data: {"choices":[],"usage":{"completion_tokens":2}}""" + "\n\ndata: [DONE]\n\n");

        StreamResult result = await Client(handler).CompleteAsync("x", 8, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Null(result.Error);
        Assert.Equal(2, result.Tokens);
    }

    [Fact]
    public async Task CompleteAsync_ServiceUnavailable_ErrorNamesStatus()
    {
        var handler = new StubHandler(HttpStatusCode.ServiceUnavailable, """{"error":{"message":"busy"}}""");

        StreamResult result = await Client(handler).CompleteAsync("x", 8, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal("HTTP 503", result.Error);
        Assert.Equal(0, result.Tokens);
        Assert.Null(result.TimeToFirstToken);
    }

    [Fact]
    public async Task CompleteAsync_DisconnectAfterTwoTokens_StopsReadingAndMarksDisconnected()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("a") + Event("b") + Event("c") + "data: [DONE]\n\n");

        StreamResult result = await Client(handler).CompleteAsync("x", 8, 2, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Null(result.Error);
        Assert.True(result.Disconnected);
        Assert.Equal(2, result.Tokens);
    }

    [Fact]
    public async Task CompleteAsync_ErrorEventMidStream_IsStreamError()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("a") + """data: {"error":{"message":"request timed out","type":"server_error"}}""" + "\n\ndata: [DONE]\n\n");

        StreamResult result = await Client(handler).CompleteAsync("x", 8, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal("stream error", result.Error);
        Assert.Equal(1, result.Tokens);
    }

    [Fact]
    public async Task CompleteAsync_StreamWithoutDone_IsIncomplete()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("a"));

        StreamResult result = await Client(handler).CompleteAsync("x", 8, null, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal("no [DONE]", result.Error);
    }

    [Fact]
    public async Task CompleteAsync_RunAlreadyCancelled_IsRunTimeLimit()
    {
        var handler = new StubHandler(HttpStatusCode.OK, Event("a") + "data: [DONE]\n\n");

        StreamResult result = await Client(handler).CompleteAsync("x", 8, null, TimeSpan.FromSeconds(10), new CancellationToken(canceled: true));

        Assert.Equal("run time limit", result.Error);
    }

    private static CompletionStreamClient Client(StubHandler handler) =>
        new(new HttpClient(handler), new Uri("http://127.0.0.1:8080"), "k", "m");

    private sealed class StubHandler(HttpStatusCode status, string body) : HttpMessageHandler
    {
        public string? RequestBody { get; private set; }

        public Uri? RequestUri { get; private set; }

        public string? Authorization { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RequestBody = await request.Content!.ReadAsStringAsync(cancellationToken);
            RequestUri = request.RequestUri;
            Authorization = request.Headers.Authorization?.ToString();
            return new HttpResponseMessage(status) { Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body))) };
        }
    }
}
