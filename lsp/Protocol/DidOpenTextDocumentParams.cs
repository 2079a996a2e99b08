namespace CodeGen.Lsp.Protocol;

internal sealed record DidOpenTextDocumentParams(TextDocumentItem TextDocument);
