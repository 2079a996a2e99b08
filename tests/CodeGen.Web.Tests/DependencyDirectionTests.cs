using System.Reflection;

namespace CodeGen.Web.Tests;

/// <summary>eval, lsp and web reach the model only over HTTP; web reads eval's store library, not eval (README, Architecture).</summary>
public sealed class DependencyDirectionTests
{
    private static string[] CodeGenReferences(string assembly) =>
        Assembly.Load(assembly).GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("CodeGen.", StringComparison.Ordinal)).Order().ToArray();

    [Fact]
    public void Web_ReferencesOnlyTheEvalStore_StoreReferencesNoCodeGenProject()
    {
        Assert.Equal(["CodeGen.Eval.Store"], CodeGenReferences("CodeGen.Web"));
        Assert.Empty(CodeGenReferences("CodeGen.Eval.Store"));
    }

    // Every assembly web loads, transitively, and every package its deps.json ships: no Roslyn, no Docker client.
    [Fact]
    public void Web_ShipsNeitherRoslynNorDockerDotNet()
    {
        string[] banned = ["Microsoft.CodeAnalysis", "Docker.DotNet", "CodeGen.Eval"];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<AssemblyName>([Assembly.Load("CodeGen.Web").GetName()]);
        while (pending.Count > 0)
        {
            AssemblyName name = pending.Pop();
            if (!seen.Add(name.Name!) || !name.Name!.StartsWith("CodeGen.", StringComparison.Ordinal))
            {
                continue; // framework and package assemblies: their names are checked, their references are theirs
            }

            foreach (AssemblyName reference in Assembly.Load(name).GetReferencedAssemblies())
            {
                pending.Push(reference);
            }
        }

        Assert.Contains("CodeGen.Eval.Store", seen);
        Assert.DoesNotContain(seen, n => n != "CodeGen.Eval.Store" && banned.Any(b => n == b || n.StartsWith(b + ".", StringComparison.Ordinal)));

        string deps = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "CodeGen.Web.deps.json"));
        Assert.DoesNotContain("Microsoft.CodeAnalysis", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("Docker.DotNet", deps, StringComparison.Ordinal);
        Assert.DoesNotContain("\"CodeGen.Eval/", deps, StringComparison.Ordinal);
        Assert.Contains("\"CodeGen.Eval.Store/", deps, StringComparison.Ordinal);
    }
}
