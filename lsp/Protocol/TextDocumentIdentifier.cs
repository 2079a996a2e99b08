namespace CodeGen.Lsp.Protocol;

internal sealed record TextDocumentIdentifier(string Uri);
