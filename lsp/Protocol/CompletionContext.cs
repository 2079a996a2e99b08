namespace CodeGen.Lsp.Protocol;

// TriggerKind: 1 invoked by the user, 2 a trigger character, 3 re-triggered for an incomplete list.
internal sealed record CompletionContext(int TriggerKind, string? TriggerCharacter = null);
