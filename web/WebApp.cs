using CodeGen.Web.Components;
using CodeGen.Web.Storage;

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
            new ResultsStoreReader(options.DbPath, services.GetRequiredService<ILogger<ResultsStoreReader>>()));
        builder.Services.AddRazorComponents();

        WebApplication app = builder.Build();
        app.UseAntiforgery();
        app.MapRazorComponents<App>();
        return app;
    }
}
