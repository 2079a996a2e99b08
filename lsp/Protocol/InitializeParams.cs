namespace CodeGen.Lsp.Protocol;

// The parts of initialize's parameters we read; the client's capabilities are not used yet.
internal sealed record InitializeParams(int? ProcessId, ClientInfo? ClientInfo);
