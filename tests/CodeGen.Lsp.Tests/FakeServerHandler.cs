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

    public static HttpResponseMessage Error(HttpStatusCode status, string message) => new(status)
    {
        Content = new StringContent(
            JsonSerializer.Serialize(new { error = new { message, type = "invalid_request_error" } }),
            Encoding.UTF8,
            "application/json"),
    };
}
