namespace CodeGen.Lsp.Protocol;

// LSP's Range: from Start inclusive to End exclusive.
// Not named Range so it never collides with System.Range.
internal sealed record TextRange(Position Start, Position End);
