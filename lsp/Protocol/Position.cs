namespace CodeGen.Lsp.Protocol;

// A zero-based line and a zero-based character offset in UTF-16 code units (LSP's default encoding).
internal sealed record Position(int Line, int Character);
