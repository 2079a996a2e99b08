namespace CodeGen.Lsp.Protocol;

/// <summary>didChange parameters; <see cref="ContentChanges"/> apply in order, each to the result of the previous.</summary>
internal sealed record DidChangeTextDocumentParams(
    VersionedTextDocumentIdentifier TextDocument,
    IReadOnlyList<TextDocumentContentChangeEvent> ContentChanges);
