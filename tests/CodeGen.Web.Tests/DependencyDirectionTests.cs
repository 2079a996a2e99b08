using System.Reflection;

namespace CodeGen.Web.Tests;

/// <summary>eval, lsp and web reach the model only over HTTP; web reads eval's store library (STYLE.md).</summary>
public sealed class DependencyDirectionTests
{
    private static string[] CodeGenReferences(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("CodeGen.", StringComparison.Ordinal)).Order().ToArray();

    [Fact]
    public void Web_ReferencesOnlyEval_EvalReferencesNoCodeGenProject()
    {
        Assert.Equal(["CodeGen.Eval"], CodeGenReferences("CodeGen.Web"));
        Assert.Empty(CodeGenReferences("CodeGen.Eval"));
    }
}
