using System.Net;

namespace CodeGen.Web.Tests;

/// <summary>Starts the app over a store (and optional training directory), gets one page, stops it.</summary>
internal static class TestHttp
{
    public static async Task<(HttpStatusCode Status, string Body)> GetAsync(string dbPath, string url, string? trainingDir = null)
    {
        await using RunningWebApp app = await RunningWebApp.StartAsync(dbPath, trainingDir);
        using HttpResponseMessage response = await app.Client.GetAsync(new Uri(url, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
