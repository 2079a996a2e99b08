namespace CodeGen.Lsp.Protocol;

// JSON-RPC error codes LSP defines that our handlers return.
internal static class LspErrorCodes
{
    // A request other than initialize arrived before initialize.
    public const int ServerNotInitialized = -32002;

    // JSON-RPC's invalid request; LSP uses it for requests after shutdown and a second initialize.
    public const int InvalidRequest = -32600;
}
