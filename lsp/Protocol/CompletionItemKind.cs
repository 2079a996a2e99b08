namespace CodeGen.Lsp.Protocol;

// The CompletionItemKind we report: LSP's Text.
internal static class CompletionItemKind
{
    public const int Text = 1;
}
