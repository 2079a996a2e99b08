namespace CodeGen.Lsp.Protocol;

// A document as the client opened it: its whole text and version.
// Uri: The document URI, kept as the client sent it (compared ordinally).
internal sealed record TextDocumentItem(string Uri, string LanguageId, int Version, string Text);
