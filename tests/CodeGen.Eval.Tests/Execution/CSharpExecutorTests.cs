using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Execution;

namespace CodeGen.Eval.Tests.Execution;

// MultiPL-E's C# tests compare List/Dictionary results with .Equals (reference equality). These hand-written,
// correct solutions of affected problems fail as the data set ships them and pass with the structural rewrite.
[Collection(SandboxCollection.Name)]
public sealed class CSharpExecutorTests(SandboxFixture fixture)
{
    public static readonly TheoryData<string, string, string> CorrectSolutions = new()
    {
        { "humaneval-cs", "HumanEval_29_filter_by_prefix", "        return strings.Where(s => s.StartsWith(prefix)).ToList();\n" },
        { "humaneval-cs", "HumanEval_30_get_positive", "        return l.Where(x => x > 0).ToList();\n" },
        { "humaneval-cs", "HumanEval_34_unique", "        return l.Distinct().OrderBy(x => x).ToList();\n" },
        {
            "humaneval-cs", "HumanEval_111_histogram", """
                    var counts = new Dictionary<string, long>();
                    foreach (var w in test.Split(' ', StringSplitOptions.RemoveEmptyEntries)) counts[w] = counts.GetValueOrDefault(w) + 1;
                    if (counts.Count == 0) return counts;
                    long max = counts.Values.Max();
                    return counts.Where(p => p.Value == max).ToDictionary(p => p.Key, p => p.Value);

            """
        },
    };

    private readonly CSharpCompiler _compiler = new();

    [Theory]
    [MemberData(nameof(CorrectSolutions))]
    public async Task ExecuteAsync_CorrectSolutionOfListOrDictionaryProblem_Passes(string benchmark, string task, string completion)
    {
        Problem problem = BenchmarkCatalog.Load(benchmark).Problems.Single(p => p.TaskId == task);

        ExecutionResult result = await new CSharpExecutor(fixture.Sandbox, _compiler).ExecuteAsync(problem.BuildProgram(completion), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(ExecutionStatus.Passed, result.Status);
        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [MemberData(nameof(CorrectSolutions))]
    public async Task ExecuteAsync_CorrectSolutionWithoutStructuralRewrite_FailsOnReferenceEquality(string benchmark, string task, string completion)
    {
        Problem problem = BenchmarkCatalog.Load(benchmark).Problems.Single(p => p.TaskId == task);

        ExecutionResult result = await new CSharpExecutor(fixture.Sandbox, _compiler, structural: false).ExecuteAsync(problem.BuildProgram(completion), TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains("Assertion failed.", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ScalarAndStringEquals_KeepValueSemantics()
    {
        CSharpCompilationResult compiled = _compiler.Compile("""
            using System;
            using System.Diagnostics;
            class Problem {
                public static void Main(string[] args) {
                    Debug.Assert((3L).Equals(3L));
                    Debug.Assert("ab".Equals("a" + "b"));
                    Debug.Assert(Tuple.Create(1L, "x").Equals(Tuple.Create(1L, "x")));
                }
            }
            """);

        Assert.True(compiled.Succeeded, compiled.Diagnostics);
    }

    [Theory]
    [InlineData("        return l;\n    }\n    public static void Broken( {\n", "compile_error")]
    [InlineData("        throw new InvalidOperationException(\"boom\");\n", "runtime_error")]
    [InlineData("        while (true) { }\n", "timeout")]
    [InlineData("        return l.Where(x => x < 0).ToList();\n", "failed")]
    public async Task ExecuteAsync_BadSolutions_ReportStatus(string completion, string status)
    {
        Problem problem = BenchmarkCatalog.Load("humaneval-cs").Problems.Single(p => p.TaskId == "HumanEval_30_get_positive");

        ExecutionResult result = await new CSharpExecutor(fixture.Sandbox, _compiler).ExecuteAsync(problem.BuildProgram(completion), TimeSpan.FromSeconds(2), CancellationToken.None);

        Assert.Equal(status, result.Status.ToName());
    }
}
