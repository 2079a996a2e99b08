using System.CommandLine;
using CodeGen.Eval.Cli;

namespace CodeGen.Eval.Tests.Cli;

// The full reference-solution runs: every problem of MBPP (test split), MBPP sanitized and MBPP+ must pass with
// its data set's own solution. Minutes of sandboxed runs, so excluded from the default run:
// dotnet test tests/CodeGen.Eval.Tests --filter Category=Oracle (HumanEval's 164 are in the default run, in
// RunCommandTests).
[Collection(SandboxCollection.Name)]
[Trait("Category", "Oracle")]
public sealed class OracleRunTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-eval-oracle-").FullName;

    public OracleRunTests(SandboxFixture fixture)
    {
        _ = fixture; // Ensures bwrap works before the CLI builds its own sandbox.
    }

    [Theory]
    [InlineData("mbpp", 500)]
    [InlineData("mbpp-sanitized", 427)]
    [InlineData("mbppplus", 399)]
    public void Run_OracleCanonical_EveryProblemPasses(string benchmark, int problems)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string db = Path.Combine(_directory, "oracle.db");

        int exitCode = EvalCommandLine.Create()
            .Parse(["run", "--benchmark", benchmark, "--oracle", "canonical", "--parallel", "2", "--db", db])
            .Invoke(new InvocationConfiguration { Output = output, Error = error });

        string[] lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal("", error.ToString());
        Assert.Equal($"statuses: passed={problems}", lines[^2]);
        Assert.Equal($"pass@1=1 passed={problems} total={problems}", lines[^1]);
        Assert.Equal(0, exitCode);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
