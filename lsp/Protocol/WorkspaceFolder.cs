namespace CodeGen.Lsp.Protocol;

internal sealed record WorkspaceFolder(string Uri, string Name);
