using System.CommandLine;
using CodeGen.Model;
using CodeGen.Server.Endpoints;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Commands;

/// <summary><c>server</c>: serves the model over HTTP (OpenAI-compatible API).</summary>
internal static class ServeCommand
{
    public static RootCommand Create()
    {
        Option<string?> model = new("--model") { Description = "Hugging Face model directory (default: the bundled model)." };
        Option<string> host = new("--host") { Description = "Address to bind.", DefaultValueFactory = _ => "127.0.0.1" };
        Option<int> port = new("--port") { Description = "TCP port.", DefaultValueFactory = _ => 8080 };
        Option<string?> apiKey = new("--api-key") { Description = "Require 'Authorization: Bearer KEY' (mandatory off loopback)." };
        Option<string> device = new("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        Option<string> dtype = new("--dtype") { Description = "float32, bfloat16 or float16.", DefaultValueFactory = _ => "float32" };
        Option<string[]> adapter = new("--adapter")
        {
            Description = "A Hugging Face PEFT LoRA adapter served beside the base model, as NAME=DIR (or DIR: named after the directory); repeatable. " +
                "A request's \"model\" picks an adapter by NAME, or the base model by its id (or no model field).",
        };
        Option<bool> noPrefixCache = new("--no-prefix-cache") { Description = "Recompute every prompt from scratch (to measure the prefix cache's gain)." };
        Option<int> maxBatch = new("--max-batch") { Description = "Sequences decoded together (KV-cache slots).", DefaultValueFactory = _ => 8 };
        Option<int> maxQueue = new("--max-queue") { Description = "Requests that may wait before new ones get 429.", DefaultValueFactory = _ => 64 };
        EngineFlags flags = new();
        var root = new RootCommand("CodeGen inference server: serves a Llama/Qwen2 model over an OpenAI-compatible HTTP API.")
        {
            model, host, port, apiKey, device, dtype, adapter, maxBatch, maxQueue, noPrefixCache,
        };
        flags.AddTo(root);
        root.SetAction(async (parse, cancellation) =>
        {
            var options = new ServeOptions(
                ModelLocator.Resolve(parse.GetValue(model)),
                parse.GetRequiredValue(host),
                parse.GetValue(port),
                parse.GetValue(apiKey),
                ModelLocator.ParseDevice(parse.GetRequiredValue(device)),
                CausalLM.ParseDType(parse.GetRequiredValue(dtype)))
            {
                Engine = flags.Read(parse) with { MaxBatch = parse.GetValue(maxBatch), MaxQueue = parse.GetValue(maxQueue), PrefixCache = !parse.GetValue(noPrefixCache) },
                Adapters = (parse.GetValue(adapter) ?? []).Select(AdapterSpec.Parse).ToArray(),
            };
            options.Validate();
            await using WebApplication app = Build(options, []);
            await app.RunAsync(cancellation);
            return 0;
        });
        return root;
    }

    /// <summary>Builds the web application for <paramref name="options"/> (tests start it on a free port).</summary>
    public static WebApplication Build(ServeOptions options, string[] args, Func<Backends.IModelBackend, Backends.IModelBackend>? decorateBackend = null)
    {
        options.Validate();
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseUrls($"http://{(options.Host.Contains(':') ? $"[{options.Host}]" : options.Host)}:{options.Port}");
        // The body limit is enforced by the endpoints (400 with a JSON error), not by Kestrel's 413.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = null);
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.AddSingleton(new ModelHost(options.ModelDirectory, options.DType, options.Device, options.Engine, options.Adapters, decorateBackend));
        builder.Services.AddSingleton(options.Engine);
        builder.Services.AddSingleton<EngineMetrics>();
        builder.Services.AddSingleton<EngineLoop>();
        builder.Services.AddHostedService(services => services.GetRequiredService<EngineLoop>());
        WebApplication app = builder.Build();
        app.UseMiddleware<StatusMetricsMiddleware>();
        if (!string.IsNullOrEmpty(options.ApiKey)) app.UseMiddleware<ApiKeyMiddleware>(options.ApiKey);
        ModelEndpoints.Map(app);
        CompletionEndpoints.Map(app);
        MetricsEndpoint.Map(app);
        return app;
    }
}
