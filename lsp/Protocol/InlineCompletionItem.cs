namespace CodeGen.Lsp.Protocol;

// InsertText replaces Range (empty, at the cursor: the suggestion is inserted there).
internal sealed record InlineCompletionItem(string InsertText, TextRange Range, string FilterText);
