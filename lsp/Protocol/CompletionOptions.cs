namespace CodeGen.Lsp.Protocol;

internal sealed record CompletionOptions(IReadOnlyList<string> TriggerCharacters);
