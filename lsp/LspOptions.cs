namespace CodeGen.Lsp;

/// <summary>How the language server reaches the CodeGen server for completions.</summary>
/// <param name="Server">Base URL of the CodeGen server (default <see cref="DefaultServer"/>).</param>
/// <param name="ApiKey">Bearer key for the server, when it requires one (default none).</param>
internal sealed record LspOptions(Uri Server, string? ApiKey)
{
    /// <summary>The server's own default host and port.</summary>
    public static Uri DefaultServer { get; } = new("http://127.0.0.1:8080");

    // Records print every property; the key must not reach a log.
    public override string ToString() =>
        $"{nameof(LspOptions)} {{ Server = {Server}, ApiKey = {(ApiKey is null ? "(none)" : "(set)")} }}";
}
