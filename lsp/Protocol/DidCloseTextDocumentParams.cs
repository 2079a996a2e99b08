namespace CodeGen.Lsp.Protocol;

internal sealed record DidCloseTextDocumentParams(TextDocumentIdentifier TextDocument);
