using CodeGen.Lsp;
using Microsoft.Extensions.Logging;

return await LspCommandLine.Create(RunAsync).Parse(args).InvokeAsync();

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
