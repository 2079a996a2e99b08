namespace CodeGen.Lsp.Protocol;

internal sealed record ClientInfo(string Name, string? Version);
