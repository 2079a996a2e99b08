using System.Reflection;
using CodeGen.Model;

namespace CodeGen.Model.Tests;

/// <summary>The model library stands alone: no other CodeGen project, no ASP.NET Core, no Roslyn, no console UI (README, Architecture).</summary>
public sealed class DependencyDirectionTests
{
    [Fact]
    public void ModelAssembly_ReferencesNoOtherCodeGenProjectAspNetRoslynOrConsoleUi()
    {
        string[] references = typeof(CausalLM).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.Contains("TorchSharp", references);
        Assert.DoesNotContain(references, r => r.StartsWith("CodeGen.", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.StartsWith("Spectre.Console", StringComparison.Ordinal) || r == "System.CommandLine");
    }
}
