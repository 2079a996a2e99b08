namespace CodeGen.Lsp.Protocol;

/// <summary>How didChange carries edits; serialized as its number.</summary>
internal enum TextDocumentSyncKind
{
    None = 0,
    Full = 1,
    Incremental = 2,
}
