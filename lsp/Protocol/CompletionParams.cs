namespace CodeGen.Lsp.Protocol;

// textDocument/completion parameters; Context is absent when the client does not send it.
internal sealed record CompletionParams(TextDocumentIdentifier TextDocument, Position Position, CompletionContext? Context = null);
