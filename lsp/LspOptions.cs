namespace CodeGen.Lsp;

// How the language server reaches the CodeGen server for completions.
// Server: Base URL of the CodeGen server (default DefaultServer).
// ApiKey: Bearer key for the server, when it requires one (default none).
internal sealed record LspOptions(Uri Server, string? ApiKey)
{
    // The server's own default host and port.
    public static Uri DefaultServer { get; } = new("http://127.0.0.1:8080");

    // Records print every property; the key must not reach a log.
    public override string ToString() =>
        $"{nameof(LspOptions)} {{ Server = {Server}, ApiKey = {(ApiKey is null ? "(none)" : "(set)")} }}";
}
