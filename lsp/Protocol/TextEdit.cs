namespace CodeGen.Lsp.Protocol;

internal sealed record TextEdit(TextRange Range, string NewText);
