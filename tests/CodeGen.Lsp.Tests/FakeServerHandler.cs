using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace CodeGen.Lsp.Tests;

/// <summary>
/// Stands in for the CodeGen server's HTTP API: records each /v1/completions body and answers with what
/// <see cref="Respond"/> says (by default the completion <see cref="Completion"/>, 200).
/// </summary>
internal sealed class FakeServerHandler : HttpMessageHandler
{
    public ConcurrentQueue<JsonElement> Bodies { get; } = new();

    public string Completion { get; set; } = "Value = 1;";

    public Func<int, CancellationToken, Task<HttpResponseMessage>>? Respond { get; set; }

    public int Calls => Bodies.Count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.EndsWith("/v1/completions", request.RequestUri!.AbsolutePath, StringComparison.Ordinal);
        string body = await request.Content!.ReadAsStringAsync(cancellationToken);
        using (JsonDocument json = JsonDocument.Parse(body))
        {
            Bodies.Enqueue(json.RootElement.Clone());
        }

        return Respond is { } respond ? await respond(Bodies.Count, cancellationToken) : Ok(Completion);
    }

    public static HttpResponseMessage Ok(string text) => new(HttpStatusCode.OK)
    {
        Content = new StringContent(
            JsonSerializer.Serialize(new { choices = new[] { new { index = 0, text, finish_reason = "stop" } } }),
            Encoding.UTF8,
            "application/json"),
    };

    /// <summary>A streamed answer: each piece as a server-sent event after its delay, then [DONE].</summary>
    public static HttpResponseMessage Streamed(CancellationToken cancellationToken, params (int DelayMs, string Text)[] pieces)
    {
        var pipe = new System.IO.Pipelines.Pipe();
        _ = Task.Run(async () =>
        {
            try
            {
                foreach ((int delay, string text) in pieces)
                {
                    await Task.Delay(delay, cancellationToken);
                    string chunk = JsonSerializer.Serialize(new { choices = new[] { new { index = 0, text, finish_reason = (string?)null } } });
                    await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes($"data: {chunk}\n\n"), cancellationToken);
                }

                await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes("data: [DONE]\n\n"), cancellationToken);
                await pipe.Writer.CompleteAsync();
            }
            catch (OperationCanceledException e)
            {
                // The client went away: so does the stream.
                await pipe.Writer.CompleteAsync(e);
            }
        }, CancellationToken.None);
        var content = new StreamContent(pipe.Reader.AsStream());
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    public static HttpResponseMessage Error(HttpStatusCode status, string message) => new(status)
    {
        Content = new StringContent(
            JsonSerializer.Serialize(new { error = new { message, type = "invalid_request_error" } }),
            Encoding.UTF8,
            "application/json"),
    };
}
