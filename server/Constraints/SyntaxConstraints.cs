using CodeGen.Server.Constraints.CSharp;
using CodeGen.Server.Constraints.Python;

namespace CodeGen.Server.Constraints;

/// <summary>The syntax constraints a request's <c>constrain</c> field can name.</summary>
internal static class SyntaxConstraints
{
    private static readonly ISyntaxConstraint[] All = [new CSharpSyntaxConstraint(), new PythonSyntaxConstraint()];

    /// <summary>The values <c>constrain</c> accepts besides "none".</summary>
    public static IEnumerable<string> Names => All.Select(c => c.Name);

    /// <summary>The constraint named <paramref name="name"/>, or null.</summary>
    public static ISyntaxConstraint? Find(string name) => All.FirstOrDefault(c => c.Name == name);
}
