namespace CodeGen.Lsp.Protocol;

// Version: Omitted from the JSON when null.
internal sealed record ServerInfo(string Name, string? Version = null);
