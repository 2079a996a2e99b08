using System.CommandLine;
using System.CommandLine.Invocation;
using CodeGen.Lsp;
using Microsoft.Extensions.Logging;

ParseResult parseResult = LspCommandLine.Create(RunAsync).Parse(args);
if (parseResult.Action is ParseErrorAction parseError)
{
    // stdout belongs to the protocol: a bad command line gets its errors on stderr, not help on stdout.
    parseError.ShowHelp = false;
}

return await parseResult.InvokeAsync();

static async Task<int> RunAsync(LspOptions options, CancellationToken cancellationToken)
{
    // stdout carries the protocol, so every log line goes to stderr.
    using ILoggerFactory loggerFactory = LoggerFactory.Create(logging => logging
        .SetMinimumLevel(LogLevel.Information)
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace));
    var server = new LanguageServer(options, loggerFactory);
    await using Stream input = Console.OpenStandardInput();
    await using Stream output = Console.OpenStandardOutput();
    return await server.RunAsync(input, output, cancellationToken);
}
