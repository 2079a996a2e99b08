namespace CodeGen.Lsp.Protocol;

// One suggestion: Label is its first line; InsertText the whole text (plain text, InsertTextFormat 1);
// TextEdit inserts it at the cursor (an empty range), so clients that honour edits and clients that read
// insertText agree.
internal sealed record CompletionItem(
    string Label,
    int Kind,
    string Detail,
    string InsertText,
    int InsertTextFormat,
    TextEdit TextEdit,
    string FilterText);
