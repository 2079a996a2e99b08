namespace CodeGen.Lsp.Protocol;

// LSP 3.18 textDocument/inlineCompletion parameters.
internal sealed record InlineCompletionParams(
    TextDocumentIdentifier TextDocument,
    Position Position,
    InlineCompletionContext? Context = null);
