namespace CodeGen.Lsp.Completion;

// An immutable snapshot of an open document: what prompts are built from.
internal sealed record OpenDocument(string Uri, string LanguageId, int Version, string Text);
