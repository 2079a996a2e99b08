using System.Net;
using CodeGen.Lsp.Client;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging.Abstractions;

namespace CodeGen.Lsp.Tests.Client;

public sealed class CompletionClientTests
{
    private static readonly ServerCompletionRequest Request = new("int x = ", null, 8, 0, ["\n"], "none");

    [Fact]
    public async Task CompleteAsync_RepeatedFailures_OpensBreakerStopsCallingThenProbesAndCloses()
    {
        bool down = true;
        var fake = new FakeServerHandler
        {
            Respond = (_, _) => Task.FromResult(down
                ? FakeServerHandler.Error(HttpStatusCode.ServiceUnavailable, "engine stopped")
                : FakeServerHandler.Ok("1;")),
        };
        var log = new RecordingLog();
        using var client = new CompletionClient(fake, TimeProvider.System, log, NullLogger.Instance);
        // Long enough that a loaded machine does not reach half-open between the calls below.
        var settings = new LspSettings { BreakMs = 2_000 };

        for (int i = 0; i < 3; i++)
        {
            Assert.Null(await client.CompleteAsync(Request, settings, CancellationToken.None));
        }

        // Open: no call reaches the server.
        Assert.Null(await client.CompleteAsync(Request, settings, CancellationToken.None));
        Assert.Null(await client.CompleteAsync(Request, settings, CancellationToken.None));
        Assert.Equal(3, fake.Calls);
        Assert.Equal(
            [
                (MessageType.Warning, "CodeGen completion request to http://127.0.0.1:8080/ failed: HTTP 503: engine stopped"),
                (MessageType.Warning, "CodeGen server at http://127.0.0.1:8080/ keeps failing (HTTP 503: engine stopped); no completion requests for 2 s."),
            ],
            log.Messages);

        // After the break one probe goes through; it succeeds, so the breaker closes.
        down = false;
        await Task.Delay(2_300);
        Assert.Equal("1;", await client.CompleteAsync(Request, settings, CancellationToken.None));
        Assert.Equal("1;", await client.CompleteAsync(Request, settings, CancellationToken.None));
        Assert.Equal(5, fake.Calls);
        Assert.Equal((MessageType.Info, "CodeGen server at http://127.0.0.1:8080/ answers again; completions resume."), log.Messages[^1]);
    }

    [Fact]
    public async Task CompleteAsync_CallerCancels_AbortsRequestAndDoesNotCountAsFailure()
    {
        var entered = new SemaphoreSlim(0);
        var fake = new FakeServerHandler
        {
            Respond = async (_, token) =>
            {
                entered.Release();
                await Task.Delay(TimeSpan.FromSeconds(30), token);
                return FakeServerHandler.Ok("late");
            },
        };
        var log = new RecordingLog();
        using var client = new CompletionClient(fake, TimeProvider.System, log, NullLogger.Instance);
        var settings = new LspSettings { BreakMs = 500 };

        for (int i = 0; i < 4; i++)
        {
            using var cancel = new CancellationTokenSource();
            Task<string?> call = client.CompleteAsync(Request, settings, cancel.Token);
            Assert.True(await entered.WaitAsync(TimeSpan.FromSeconds(10)), "the request never reached the server");
            await cancel.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        }

        Assert.Equal(4, fake.Calls);
        Assert.Empty(log.Messages);
    }

    [Fact]
    public async Task CompleteAsync_ApiKeyAndBasePath_SendsBearerToBasePathCompletions()
    {
        Uri? seen = null;
        string? authorization = null;
        var handler = new CapturingHandler((request) =>
        {
            seen = request.RequestUri;
            authorization = request.Headers.Authorization?.ToString();
        });
        using var client = new CompletionClient(handler, TimeProvider.System, new RecordingLog(), NullLogger.Instance);

        string? text = await client.CompleteAsync(Request, new LspSettings { Server = new Uri("http://gpu-box:9000/base"), ApiKey = "k-1" }, CancellationToken.None);

        Assert.Equal("ok", text);
        Assert.Equal(new Uri("http://gpu-box:9000/base/v1/completions"), seen);
        Assert.Equal("Bearer k-1", authorization);
    }

    private sealed class RecordingLog : IClientLog
    {
        public List<(MessageType, string)> Messages { get; } = [];

        public void Log(MessageType type, string message)
        {
            lock (Messages)
            {
                Messages.Add((type, message));
            }
        }
    }

    private sealed class CapturingHandler(Action<HttpRequestMessage> capture) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            capture(request);
            return Task.FromResult(FakeServerHandler.Ok("ok"));
        }
    }
}
