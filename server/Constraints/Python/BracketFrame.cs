namespace CodeGen.Server.Constraints.Python;

/// <summary>An open bracket (<c>(</c>, <c>[</c> or <c>{</c>) and its offset in the text, immutable like <see cref="IndentFrame"/>.</summary>
internal sealed record BracketFrame(char Open, int Offset, BracketFrame? Outer);
