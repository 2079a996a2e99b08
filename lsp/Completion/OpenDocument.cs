namespace CodeGen.Lsp.Completion;

/// <summary>An immutable snapshot of an open document: what prompts are built from.</summary>
internal sealed record OpenDocument(string Uri, string LanguageId, int Version, string Text);
