namespace CodeGen.Lsp.Protocol;

// TriggerKind: 1 invoked explicitly by the user (served without debounce), 2 automatically while typing.
internal sealed record InlineCompletionContext(int TriggerKind);
