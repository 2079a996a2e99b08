namespace CodeGen.Lsp.Protocol;

// didChange parameters; ContentChanges apply in order, each to the result of the previous.
internal sealed record DidChangeTextDocumentParams(
    VersionedTextDocumentIdentifier TextDocument,
    IReadOnlyList<TextDocumentContentChangeEvent> ContentChanges);
