namespace CodeGen.Lsp.Protocol;

internal sealed record InlineCompletionList(IReadOnlyList<InlineCompletionItem> Items);
