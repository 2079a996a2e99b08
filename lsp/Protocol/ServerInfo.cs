namespace CodeGen.Lsp.Protocol;

/// <param name="Version">Omitted from the JSON when null.</param>
internal sealed record ServerInfo(string Name, string? Version = null);
