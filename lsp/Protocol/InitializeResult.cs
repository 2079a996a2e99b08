namespace CodeGen.Lsp.Protocol;

internal sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);
