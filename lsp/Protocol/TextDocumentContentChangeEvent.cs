namespace CodeGen.Lsp.Protocol;

// One edit of a didChange: Text replaces Range, or the whole document when Range is absent. The deprecated
// rangeLength is ignored.
internal sealed record TextDocumentContentChangeEvent(TextRange? Range, string Text);
