using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.CSharp;
using CodeGen.TestUtils;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeGen.Server.Tests.Constraints.CSharp;

/// <summary>
/// No false rejections on real code: with the file up to a method body's opening brace as the context, every prefix
/// of the body (through its closing brace) is viable, and the body's closing brace is where the completion ends.
/// </summary>
public sealed class CSharpCorpusTests
{
    private static readonly CSharpSyntaxConstraint Constraint = new();

    [Fact]
    public void Check_EveryPrefixOfTheMethodBodiesInTheBundledSample_IsViable()
    {
        string directory = Path.Combine(AppContext.BaseDirectory, "Constraints", "CSharp", "Corpus");
        string[] files = Directory.GetFiles(directory, "*.cs.txt");
        Assert.Equal(8, files.Length);
        (int methods, long prefixes, List<string> failures) = CheckFiles(files);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(methods >= 30, $"only {methods} method bodies"); // 36 in the eight files
        Assert.True(prefixes > 15_000, $"only {prefixes} prefixes"); // 19,842
    }

    // The whole C# corpus the bundled model was trained on (shared/corpus/csharp, or CODEGEN_CSHARP_CORPUS).
    [Fact]
    [Trait("Category", "Slow")]
    public void Check_EveryPrefixOfEveryMethodBodyOfTheCorpus_IsViable()
    {
        string directory = Environment.GetEnvironmentVariable("CODEGEN_CSHARP_CORPUS") ?? FindShared();
        string[] files = Directory.GetFiles(directory, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        (int methods, long prefixes, List<string> failures) = CheckFiles(files);
        Assert.True(failures.Count == 0, $"{failures.Count} of {methods} bodies ({prefixes} prefixes) rejected:\n{string.Join("\n", failures.Take(20))}");
    }

    private static (int Methods, long Prefixes, List<string> Failures) CheckFiles(IEnumerable<string> files)
    {
        int methods = 0;
        long prefixes = 0;
        var failures = new List<string>();
        foreach (string file in files)
        {
            SyntaxTree tree = CSharpSyntaxTree.ParseText(File.ReadAllText(file), CSharpViability.ParseOptions);
            if (tree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error)) continue; // only code that parses
            string text = tree.GetText().ToString();
            foreach (BaseMethodDeclarationSyntax method in tree.GetRoot().DescendantNodes().OfType<BaseMethodDeclarationSyntax>())
            {
                if (method.Body is not { } body || body.Span.Length > 4000) continue;
                methods++;
                string context = text[..body.OpenBraceToken.Span.End];
                string rest = text[body.OpenBraceToken.Span.End..body.CloseBraceToken.Span.End];
                PrefixScan.Result result = PrefixScan.Run(Constraint, context, rest);
                prefixes += result.Total;
                if (result.RejectedAt is int at)
                {
                    failures.Add($"{file} line {method.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: rejected at {at}: {result.Reason}");
                    continue;
                }
                IPrefixChecker checker = Constraint.Begin(context);
                checker.Append(rest);
                if (checker.CompletedAt != body.CloseBraceToken.SpanStart)
                    failures.Add($"{file} line {method.GetLocation().GetLineSpan().StartLinePosition.Line + 1}: completed at {checker.CompletedAt}, the body closes at {body.CloseBraceToken.SpanStart}");
            }
        }
        return (methods, prefixes, failures);
    }

    private static string FindShared() => Fixtures.FindAbove(Path.Combine("shared", "corpus", "csharp"))
        ?? throw new DirectoryNotFoundException("the C# corpus (shared/corpus/csharp) is not beside the repository; set CODEGEN_CSHARP_CORPUS to a directory of C# sources");
}
