using CodeGen.Server.Engine;

namespace CodeGen.Server.Endpoints;

/// <summary>
/// Counts every API response by status code (codegen_requests_total{status}), and turns an unexpected exception
/// into a 500 with the OpenAI error body instead of an empty response (the details go to the log only).
/// </summary>
internal sealed partial class StatusMetricsMiddleware(RequestDelegate next, EngineMetrics metrics, ILogger<StatusMetricsMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (!context.Response.HasStarted && !context.RequestAborted.IsCancellationRequested)
        {
            LogUnhandled(e);
            await ApiError.Result(StatusCodes.Status500InternalServerError, "internal server error", "server_error").ExecuteAsync(context);
        }
        finally
        {
            if (!context.Request.Path.StartsWithSegments("/metrics")) metrics.Request(context.Response.StatusCode);
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Error, Message = "Unhandled error while serving a request")]
    private partial void LogUnhandled(Exception exception);
}
