namespace CodeGen.Lsp.Protocol;

/// <summary>
/// One edit of a didChange: <see cref="Text"/> replaces <see cref="Range"/>, or the whole document
/// when <see cref="Range"/> is absent. The deprecated <c>rangeLength</c> is ignored.
/// </summary>
internal sealed record TextDocumentContentChangeEvent(TextRange? Range, string Text);
