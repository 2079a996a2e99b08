using CodeGen.Eval.Storage;
using CodeGen.Web.Components;
using CodeGen.Web.Storage;
using CodeGen.Web.Training;
using Microsoft.Extensions.FileProviders;

namespace CodeGen.Web;

// Builds the web application; Program runs it, tests start it on a free port.
internal static class WebApp
{
    public static WebApplication Build(WebOptions options)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(WebApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(options.Urls);
        // No appsettings.json: keep ASP.NET Core's per-request information logs out of the console.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(services =>
            new DashboardStore(options.DbPath, services.GetRequiredService<ILogger<DashboardStore>>()));
        builder.Services.AddSingleton(services =>
            new TrainingMetricsReader(options.TrainingDir, services.GetRequiredService<ILogger<TrainingMetricsReader>>()));
        builder.Services.AddSingleton<ProblemTexts>();
        builder.Services.AddScoped<NotFoundReason>();
        builder.Services.AddRazorComponents();

        WebApplication app = builder.Build();
        // wwwroot is copied next to the assembly (see the project file), so it is found wherever the app runs from.
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "wwwroot")),
        });
        // A URL that matches no page gets the same not-found page (re-executed, so the status stays 404); pages that
        // find no run or sample call NavigationManager.NotFound(), which renders it in place with 404.
        app.UseStatusCodePagesWithReExecute("/not-found", createScopeForStatusCodePages: true);
        app.UseAntiforgery();
        app.MapRazorComponents<App>();
        return app;
    }
}
