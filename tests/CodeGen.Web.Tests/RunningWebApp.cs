using Microsoft.AspNetCore.Builder;

namespace CodeGen.Web.Tests;

/// <summary>The real web app, started in-process on a free loopback port, with a client for it.</summary>
internal sealed class RunningWebApp : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningWebApp(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public Uri BaseAddress => Client.BaseAddress!;

    public static async Task<RunningWebApp> StartAsync(string dbPath, string? trainingDir = null)
    {
        // Port 0: Kestrel picks a free port and reports it in app.Urls once started.
        WebApplication app = WebApp.Build(new WebOptions(dbPath, "http://127.0.0.1:0", trainingDir));
        await app.StartAsync();
        var client = new HttpClient { BaseAddress = new Uri(app.Urls.Single()), Timeout = TimeSpan.FromSeconds(30) };
        return new RunningWebApp(app, client);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
