using CodeGen.Server.Engine;

namespace CodeGen.Server.Endpoints;

/// <summary>GET /health and GET /v1/models.</summary>
internal static class ModelEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/health", (ModelHost host) => host.IsReady
            ? Results.Json(new { status = "ok", model = host.Name, adapters = host.AdapterNames })
            : host.LoadError is { } error
                ? Results.Json(new { status = "error", model = host.Name, error = error.Message }, statusCode: 503)
                : Results.Json(new { status = "loading", model = host.Name }, statusCode: 503));

        app.MapGet("/v1/models", (ModelHost host) => Results.Json(new
        {
            @object = "list",
            // max_model_len (as vLLM names it): the most positions, prompt + completion, one request may use. Each
            // adapter is a model of its own whose parent is the base model, as vLLM lists LoRA adapters.
            data = host.ModelIds.Select((id, i) => new
            {
                id,
                @object = "model",
                owned_by = "codegen",
                created = 0,
                max_model_len = host.MaxContext,
                parent = i == 0 ? null : host.Name,
            }),
        }));
    }
}
