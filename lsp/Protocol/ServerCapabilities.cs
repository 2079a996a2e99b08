namespace CodeGen.Lsp.Protocol;

// PositionEncoding: The encoding chosen from the client's offer (utf-16 when it offers none we serve).
internal sealed record ServerCapabilities(
    string PositionEncoding,
    TextDocumentSyncOptions TextDocumentSync,
    CompletionOptions CompletionProvider,
    InlineCompletionOptions InlineCompletionProvider);
