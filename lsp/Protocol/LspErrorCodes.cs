namespace CodeGen.Lsp.Protocol;

/// <summary>JSON-RPC error codes LSP defines that our handlers return.</summary>
internal static class LspErrorCodes
{
    /// <summary>A request other than initialize arrived before initialize.</summary>
    public const int ServerNotInitialized = -32002;

    /// <summary>JSON-RPC's invalid request; LSP uses it for requests after shutdown and a second initialize.</summary>
    public const int InvalidRequest = -32600;
}
