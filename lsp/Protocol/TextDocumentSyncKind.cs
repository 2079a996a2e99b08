namespace CodeGen.Lsp.Protocol;

// How didChange carries edits; serialized as its number.
internal enum TextDocumentSyncKind
{
    None = 0,
    Full = 1,
    Incremental = 2,
}
