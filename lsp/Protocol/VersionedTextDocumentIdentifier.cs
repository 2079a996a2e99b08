namespace CodeGen.Lsp.Protocol;

// A document URI and the version it has after the change that carries it.
internal sealed record VersionedTextDocumentIdentifier(string Uri, int Version);
