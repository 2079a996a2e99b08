namespace CodeGen.Lsp.Protocol;

/// <summary>A document URI and the version it has after the change that carries it.</summary>
internal sealed record VersionedTextDocumentIdentifier(string Uri, int Version);
