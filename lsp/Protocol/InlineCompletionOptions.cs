namespace CodeGen.Lsp.Protocol;

/// <summary>LSP 3.18 inline completion options; none yet, so it serializes as <c>{}</c>.</summary>
internal sealed record InlineCompletionOptions;
