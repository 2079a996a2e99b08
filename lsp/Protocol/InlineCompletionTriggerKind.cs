namespace CodeGen.Lsp.Protocol;

// LSP 3.18's InlineCompletionTriggerKind; CompletionTriggerKind.Invoked has the same value.
internal static class InlineCompletionTriggerKind
{
    public const int Invoked = 1;

    public const int Automatic = 2;
}
