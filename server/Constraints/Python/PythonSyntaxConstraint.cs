namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// Python's structural syntax (3.11): brackets, string literals, indentation, what may start a statement and the order
/// of clauses; see docs/CONSTRAINTS.md. Scanned in C#, since no Python parser is a .NET package.
/// </summary>
internal sealed class PythonSyntaxConstraint : ISyntaxConstraint
{
    public string Name => "python";

    public IPrefixChecker Begin(string context) => new PythonPrefixChecker(context);
}
