using System.Reflection;

namespace CodeGen.Eval.Tests;

/// <summary>eval reaches the model only over HTTP: its one CodeGen reference is its own store library (README, Architecture).</summary>
public sealed class DependencyDirectionTests
{
    private static string[] CodeGenReferences(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("CodeGen.", StringComparison.Ordinal)).Order().ToArray();

    [Fact]
    public void Eval_ReferencesOnlyItsStore_StoreReferencesNoCodeGenProject()
    {
        Assert.Equal(["CodeGen.Eval.Store"], CodeGenReferences("CodeGen.Eval"));
        Assert.Empty(CodeGenReferences("CodeGen.Eval.Store"));
    }

    // The store library is what web ships: it must not pull in eval's Roslyn compiler or Docker client.
    [Fact]
    public void Store_ReferencesNeitherRoslynNorDockerDotNet()
    {
        string[] references = [.. Assembly.Load("CodeGen.Eval.Store").GetReferencedAssemblies().Select(a => a.Name!)];

        Assert.DoesNotContain(references, n => n.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) || n.StartsWith("Docker.DotNet", StringComparison.Ordinal));
        Assert.Contains("Microsoft.Data.Sqlite", references);
    }
}
