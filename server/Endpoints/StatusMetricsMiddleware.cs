using CodeGen.Server.Engine;

namespace CodeGen.Server.Endpoints;

/// <summary>Counts every API response by status code (codegen_requests_total{status}).</summary>
internal sealed class StatusMetricsMiddleware(RequestDelegate next, EngineMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        finally
        {
            if (!context.Request.Path.StartsWithSegments("/metrics")) metrics.Request(context.Response.StatusCode);
        }
    }
}
