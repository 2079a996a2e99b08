namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// An enclosing indentation level, immutable so that copying the scanner's state copies a reference: its column with
/// tabs to multiples of 8 and its column with tabs as 1 (Python's two measures, compared to detect an inconsistent
/// tab/space mix), and the last statement at that level.
/// </summary>
internal sealed record IndentFrame(int Column, int AltColumn, ClauseKind Clause, IndentFrame? Outer);
