namespace CodeGen.Lsp.Protocol;

/// <summary>The parts of <c>initialize</c>'s parameters we read; the client's capabilities are not used yet.</summary>
internal sealed record InitializeParams(int? ProcessId, ClientInfo? ClientInfo);
