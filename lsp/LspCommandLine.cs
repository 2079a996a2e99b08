using System.CommandLine;
using System.CommandLine.Parsing;

namespace CodeGen.Lsp;

// The language server's command line: --server URL and --api-key KEY.
internal static class LspCommandLine
{
    public static RootCommand Create(Func<LspOptions, CancellationToken, Task<int>> run)
    {
        var server = new Option<Uri>("--server")
        {
            Description = "Base URL of the CodeGen server.",
            HelpName = "URL",
            DefaultValueFactory = _ => LspOptions.DefaultServer,
            CustomParser = ParseServerUrl,
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "Key sent as a bearer token when the server requires one.",
            HelpName = "KEY",
        };

        var root = new RootCommand("CodeGen language server: LSP on stdin/stdout, completions from a CodeGen server.")
        {
            server,
            apiKey,
        };
        root.SetAction((parseResult, cancellationToken) =>
            run(new LspOptions(parseResult.GetRequiredValue(server), parseResult.GetValue(apiKey)), cancellationToken));
        return root;
    }

    private static Uri? ParseServerUrl(ArgumentResult result)
    {
        string value = result.Tokens[0].Value;
        if (Uri.TryCreate(value, UriKind.Absolute, out Uri? uri)
            && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            return uri;
        }

        result.AddError($"--server must be an absolute http or https URL, got '{value}'.");
        return null;
    }
}
