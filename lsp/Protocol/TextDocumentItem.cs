namespace CodeGen.Lsp.Protocol;

/// <summary>A document as the client opened it: its whole text and version.</summary>
/// <param name="Uri">The document URI, kept as the client sent it (compared ordinally).</param>
internal sealed record TextDocumentItem(string Uri, string LanguageId, int Version, string Text);
