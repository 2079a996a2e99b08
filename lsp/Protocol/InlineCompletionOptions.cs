namespace CodeGen.Lsp.Protocol;

// LSP 3.18 inline completion options; none yet, so it serializes as {}.
internal sealed record InlineCompletionOptions;
