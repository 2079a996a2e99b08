namespace CodeGen.Lsp.Protocol;

/// <summary>LSP's <c>Range</c>: from <see cref="Start"/> inclusive to <see cref="End"/> exclusive.</summary>
/// <remarks>Not named Range so it never collides with <see cref="System.Range"/>.</remarks>
internal sealed record TextRange(Position Start, Position End);
