using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeGen.Eval.Execution;

// Compiles MultiPL-E C# programs in-process with Roslyn: DEBUG defined (the tests are Debug.Assert calls, which
// vanish without it), a console application against the running .NET's own framework assemblies, whose
// metadata references are loaded once and shared by every compilation.
//
// MultiPL-E compares List<>, Dictionary<> and tuples holding them with .Equals, which for those types is
// reference equality, so a correct solution fails. Every `a.Equals(b)` inside Main (the tests) is therefore
// rewritten to `CodeGenEvalStructural.AreEqual(a, b)`, which compares sequences, dictionaries and tuples element
// by element and everything else with Equals (so scalars and strings behave exactly as before).
internal sealed class CSharpCompiler
{
    // The helper the rewritten asserts call; compiled as a second file of every program.
    public const string StructuralHelperSource = """
        using System.Collections;
        using System.Runtime.CompilerServices;

        internal static class CodeGenEvalStructural
        {
            public static bool AreEqual(object a, object b)
            {
                if (a is null || b is null)
                {
                    return a is null && b is null;
                }

                if (a is string || b is string)
                {
                    return a.Equals(b);
                }

                if (a is IDictionary da && b is IDictionary db)
                {
                    if (da.Count != db.Count)
                    {
                        return false;
                    }

                    foreach (DictionaryEntry entry in da)
                    {
                        if (!db.Contains(entry.Key) || !AreEqual(entry.Value, db[entry.Key]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

                if (a is ITuple ta && b is ITuple tb)
                {
                    if (ta.Length != tb.Length)
                    {
                        return false;
                    }

                    for (int i = 0; i < ta.Length; i++)
                    {
                        if (!AreEqual(ta[i], tb[i]))
                        {
                            return false;
                        }
                    }

                    return true;
                }

                if (a is IEnumerable ea && b is IEnumerable eb)
                {
                    IEnumerator ia = ea.GetEnumerator();
                    IEnumerator ib = eb.GetEnumerator();
                    while (true)
                    {
                        bool hasA = ia.MoveNext();
                        if (hasA != ib.MoveNext())
                        {
                            return false;
                        }

                        if (!hasA)
                        {
                            return true;
                        }

                        if (!AreEqual(ia.Current, ib.Current))
                        {
                            return false;
                        }
                    }
                }

                return a.Equals(b);
            }
        }
        """;

    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(LoadFrameworkReferences);

    private static readonly CSharpParseOptions ParseOptions =
        CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest).WithPreprocessorSymbols("DEBUG", "TRACE");

    private static readonly CSharpCompilationOptions CompilationOptions =
        new CSharpCompilationOptions(OutputKind.ConsoleApplication)
            .WithOptimizationLevel(OptimizationLevel.Debug)
            .WithNullableContextOptions(NullableContextOptions.Disable)
            .WithConcurrentBuild(false);

    private static readonly Lazy<SyntaxTree> HelperTree = new(() => CSharpSyntaxTree.ParseText(StructuralHelperSource, ParseOptions, "CodeGenEvalStructural.cs"));

    // Every program is added to one of these, so all compilations share one bound set of framework references
    // (a fresh CSharpCompilation.Create binds all ~160 of them again) and the parsed helper.
    private static readonly Lazy<CSharpCompilation> StructuralBase = new(() => CSharpCompilation.Create("main", [HelperTree.Value], FrameworkReferences.Value, CompilationOptions));
    private static readonly Lazy<CSharpCompilation> PlainBase = new(() => CSharpCompilation.Create("main", [], FrameworkReferences.Value, CompilationOptions));

    // A MultiPL-E-shaped program compiled once by WarmUp, so the first samples do not pay for loading and JIT-compiling
    // Roslyn.
    private const string WarmUpProgram = """
        using System;
        using System.Collections.Generic;
        using System.Diagnostics;
        using System.Linq;
        class Problem {
            public static List<long> Twice(List<long> l) {
                return l.Select(x => x * 2L).ToList();
            }
            public static void Main(string[] args) {
            Debug.Assert(Twice((new List<long>(new long[]{(long)1L}))).Equals((new List<long>(new long[]{(long)2L}))));
            }
        }
        """;

    private static readonly Lazy<bool> WarmedUp = new(() => new CSharpCompiler().Compile(WarmUpProgram).Succeeded);

    // The runtime the programs run on (the version of this process's runtime), for runtimeconfig.json.
    public static string RuntimeVersion => Environment.Version.ToString();

    // Compiles program; structural: rewrite the .Equals asserts in Main (see the class comment).
    public CSharpCompilationResult Compile(string program, bool structural = true)
    {
        var stopwatch = Stopwatch.StartNew();
        SyntaxTree tree = CSharpSyntaxTree.ParseText(program, ParseOptions, "Program.cs");
        CSharpCompilation compilation = structural
            ? StructuralBase.Value.AddSyntaxTrees(tree.WithRootAndOptions(new EqualsRewriter().Visit(tree.GetRoot()), ParseOptions))
            : PlainBase.Value.AddSyntaxTrees(tree);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = compilation.Emit(image);
        if (!emitted.Success)
        {
            string diagnostics = string.Join('\n', emitted.Diagnostics
                .Where(d => d.Severity == DiagnosticSeverity.Error)
                .Select(d => d.ToString()));
            return new CSharpCompilationResult(null, diagnostics, stopwatch.Elapsed);
        }

        return new CSharpCompilationResult(image.ToArray(), "", stopwatch.Elapsed);
    }

    // Loads the references and JIT-compiles the compiler's paths by compiling a small program (once per process;
    // later calls return at once). Safe to run concurrently with Compile. True when the program compiled.
    public static bool WarmUp() => WarmedUp.Value;

    // The reference assemblies: the shared framework this process runs on (System.Private.CoreLib,
    // System.Runtime, System.Collections, System.Linq, ...), which is also what runs the program.
    private static ImmutableArray<MetadataReference> LoadFrameworkReferences()
    {
        string directory = RuntimeEnvironment.GetRuntimeDirectory();
        return [.. Directory.EnumerateFiles(directory, "*.dll")
            .Where(IsManagedAssembly)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))];
    }

    private static bool IsManagedAssembly(string path)
    {
        string name = Path.GetFileName(path);
        return (name.StartsWith("System.", StringComparison.Ordinal) || name.StartsWith("Microsoft.", StringComparison.Ordinal) || name == "mscorlib.dll" || name == "netstandard.dll")
            && !name.StartsWith("Microsoft.DiaSymReader", StringComparison.Ordinal)
            && !name.Contains(".Native", StringComparison.Ordinal);
    }

    // a.Equals(b) -> CodeGenEvalStructural.AreEqual(a, b), inside methods named Main only.
    private sealed class EqualsRewriter : CSharpSyntaxRewriter
    {
        private int _inMain;

        public override SyntaxNode? VisitMethodDeclaration(MethodDeclarationSyntax node)
        {
            bool main = node.Identifier.ValueText == "Main";
            _inMain += main ? 1 : 0;
            try
            {
                return base.VisitMethodDeclaration(node);
            }
            finally
            {
                _inMain -= main ? 1 : 0;
            }
        }

        public override SyntaxNode? VisitInvocationExpression(InvocationExpressionSyntax node)
        {
            var visited = (InvocationExpressionSyntax)base.VisitInvocationExpression(node)!;
            if (_inMain == 0
                || visited.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Equals" } access
                || visited.ArgumentList.Arguments.Count != 1)
            {
                return visited;
            }

            return SyntaxFactory.InvocationExpression(
                    SyntaxFactory.ParseExpression("CodeGenEvalStructural.AreEqual"),
                    SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList([
                        SyntaxFactory.Argument(access.Expression.WithoutTrivia()),
                        visited.ArgumentList.Arguments[0].WithoutTrivia(),
                    ])))
                .WithTriviaFrom(visited);
        }
    }
}
