namespace CodeGen.Server.Constraints.CSharp;

/// <summary>
/// The C# syntax constraint (<c>constrain: "csharp"</c>): a text is viable while Roslyn's parse of it has no error that
/// more text appended at the end could not repair (<see cref="CSharpViability"/>; the rules are in docs/CONSTRAINTS.md).
/// </summary>
internal sealed class CSharpSyntaxConstraint : ISyntaxConstraint
{
    public string Name => "csharp";

    public IPrefixChecker Begin(string context) => new CSharpPrefixChecker(context);
}
