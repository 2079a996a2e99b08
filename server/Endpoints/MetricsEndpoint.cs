using CodeGen.Server.Engine;
using Prometheus;

namespace CodeGen.Server.Endpoints;

/// <summary>GET /metrics in the Prometheus text format.</summary>
internal static class MetricsEndpoint
{
    public static void Map(WebApplication app) => app.MapGet("/metrics", async (HttpContext context, EngineMetrics metrics) =>
    {
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    });
}
