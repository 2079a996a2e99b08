using System.CommandLine;
using CodeGen.Web;

// The host handles Ctrl+C and SIGTERM itself (graceful shutdown), so System.CommandLine does not.
var invocation = new InvocationConfiguration { ProcessTerminationTimeout = null };
return await WebCommandLine.Create(RunAsync).Parse(args).InvokeAsync(invocation);

static async Task<int> RunAsync(WebOptions options, CancellationToken cancellationToken)
{
    await using WebApplication app = WebApp.Build(options);
    try
    {
        await app.StartAsync(cancellationToken);
    }
    catch (IOException ex)
    {
        // Kestrel's bind failures (address in use, no permission) are IOExceptions.
        await Console.Error.WriteLineAsync($"error: cannot listen on {options.Urls}: {ex.Message}");
        return 1;
    }

    await app.WaitForShutdownAsync(cancellationToken);
    return 0;
}
