using System.CommandLine;
using CodeGen.Model;
using CodeGen.Server.Commands;

// `server` serves the model over HTTP; `server generate` runs the engine once from the command line; `server check-prefixes`
// shows what a syntax constraint decides.
RootCommand root = ServeCommand.Create();
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(CheckPrefixesCommand.Create());

try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (Exception ex) when (ex is ModelLoadException or ArgumentException or IOException or UnauthorizedAccessException or InvalidOperationException)
{
    // Bad input (a missing model, an invalid option value): say what, without a stack trace.
    Console.Error.WriteLine($"error: {ex.Message}");
    return 1;
}
