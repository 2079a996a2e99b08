using System.Reflection;

namespace CodeGen.Lsp.Tests;

/// <summary>The LSP server reaches the model only over the server's HTTP API (README, Architecture).</summary>
public sealed class DependencyDirectionTests
{
    [Fact]
    public void Lsp_ReferencesNoCodeGenProjectAndNoTorch()
    {
        string[] references = Assembly.Load("CodeGen.Lsp").GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.DoesNotContain(references, r => r.StartsWith("CodeGen.", StringComparison.Ordinal));
        Assert.DoesNotContain("TorchSharp", references);
        Assert.Contains("StreamJsonRpc", references);
    }
}
