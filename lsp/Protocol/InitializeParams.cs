using System.Text.Json;

namespace CodeGen.Lsp.Protocol;

// The parts of initialize's parameters we read.
// InitializationOptions: Our settings (see LspSettings), as the client sends them.
// WorkspaceFolders, RootUri: Where workspace context is read from (the first folder, else the root).
internal sealed record InitializeParams(
    int? ProcessId,
    ClientInfo? ClientInfo,
    ClientCapabilities? Capabilities = null,
    JsonElement? InitializationOptions = null,
    IReadOnlyList<WorkspaceFolder>? WorkspaceFolders = null,
    string? RootUri = null);
