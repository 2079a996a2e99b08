namespace CodeGen.Lsp.Protocol;

// IsIncomplete: true, so the client asks again as the user types rather than filtering our one item.
internal sealed record CompletionList(bool IsIncomplete, IReadOnlyList<CompletionItem> Items);
