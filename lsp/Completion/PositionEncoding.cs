namespace CodeGen.Lsp.Completion;

// What a Position's character counts: UTF-16 code units (LSP's default) or UTF-8 bytes.
internal enum PositionEncoding
{
    Utf16,
    Utf8,
}
