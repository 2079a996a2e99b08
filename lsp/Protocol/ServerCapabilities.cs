namespace CodeGen.Lsp.Protocol;

internal sealed record ServerCapabilities(
    TextDocumentSyncOptions TextDocumentSync,
    CompletionOptions CompletionProvider,
    InlineCompletionOptions InlineCompletionProvider);
