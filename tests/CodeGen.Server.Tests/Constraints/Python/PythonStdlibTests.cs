using System.Diagnostics;
using System.Text.Json;
using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.Python;
using Xunit.Abstractions;

namespace CodeGen.Server.Tests.Constraints.Python;

public sealed class PythonStdlibTests(ITestOutputHelper output)
{
    /// <summary>Reads a JSON list of texts on stdin, writes whether each parses (Python 3.11's own parser).</summary>
    internal const string Parse = """
        import ast, json, sys, warnings
        warnings.simplefilter('ignore')
        result = []
        for text in json.load(sys.stdin):
            try:
                compile(text, '<text>', 'exec', ast.PyCF_ONLY_AST, dont_inherit=True)
                result.append(True)
            except (SyntaxError, ValueError):
                result.append(False)
        json.dump(result, sys.stdout)
        """;

    private static readonly string[] Mutations =
    [
        ")", "]", "}", "(", "\n", "'", "\"", "\"\"\"", "  ", "\t", "\n    ", "\n  x = 1\n", "else:", "\nelse:\n    pass\n", "elif x:",
        "\nexcept:\n", ",", "\\", "=", ".", "f'{", "f'}'", "$", ":\n", "\nin x\n", "**", "\n@d\n", "b'\u00e9'", "\ntry:\n    pass\n",
    ];

    /// <summary>Texts appended to a rejected prefix; none may make it parse.</summary>
    private static readonly string[] Completions =
    [
        "", "\n", ")", "]", "}", "'", "\"", "\"\"\"", "\n    pass\n", ":\n    pass\n", "\n    pass\nexcept E:\n    pass\n", " x\n", "}'\n",
    ];

    private static readonly string[] CharTexts = Enumerable.Range(0, 128).Select(c => ((char)c).ToString()).ToArray();

    [Fact]
    public void Check_EveryPrefixOfSampledStdlibFunctions_IsViable()
    {
        StdlibFunctions sample = StdlibFunctions.Sample;
        Assert.True(sample.Functions.Count > 1000, $"only {sample.Functions.Count} functions in {sample.Files} files of {StdlibFunctions.Root}");
        AssertEveryPrefixViable(sample, withContexts: true);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Check_EveryPrefixOfAllStdlibFunctions_IsViable()
    {
        var load = Stopwatch.StartNew();
        StdlibFunctions all = StdlibFunctions.Load(stride: 1);
        output.WriteLine($"extracted in {load.Elapsed.TotalSeconds:F1} s");
        AssertEveryPrefixViable(all, withContexts: true);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void Check_EveryPrefixOfWholeStdlibFiles_IsViable()
    {
        var load = Stopwatch.StartNew();
        StdlibFunctions files = StdlibFunctions.Load(stride: 1, wholeFiles: true);
        output.WriteLine($"read in {load.Elapsed.TotalSeconds:F1} s");
        AssertEveryPrefixViable(files, withContexts: true);
    }

    [Fact]
    public void Check_MutatedStdlibFunctions_WhatItRejectsPythonRejects()
    {
        var random = new Random(11);
        var rejected = new List<string>();
        var accepted = new List<string>();
        int rejectedCount = 0;
        foreach (string function in StdlibFunctions.Sample.Functions.Take(600))
        {
            // Half insert a snippet, half delete one to four characters.
            int at = random.Next(function.Length);
            string mutated = random.Next(2) == 0
                ? function[..at] + Mutations[random.Next(Mutations.Length)] + function[at..]
                : function.Remove(at, Math.Min(random.Next(1, 5), function.Length - at));
            IPrefixChecker checker = new PythonSyntaxConstraint().Begin("");
            int? rejectedAt = null;
            for (int i = 0; i < mutated.Length && rejectedAt == null; i++)
            {
                string next = Char(mutated[i]);
                if (checker.Check(next).Viable)
                {
                    checker.Append(next);
                }
                else
                {
                    rejectedAt = i;
                }
            }
            if (rejectedAt is int offset)
            {
                // The rejected prefix, the whole mutated text and a few other completions must all fail to parse.
                string prefix = mutated[..(offset + 1)];
                rejected.Add(mutated);
                rejected.AddRange(Completions.Select(completion => prefix + completion));
                rejectedCount++;
            }
            else
            {
                accepted.Add(mutated);
            }
        }
        bool[] rejectedParse = ParseWithPython(rejected);
        bool[] acceptedParse = ParseWithPython(accepted);
        output.WriteLine($"{rejectedCount} mutated functions rejected, {accepted.Count} accepted, of which Python rejects {acceptedParse.Count(p => !p)} (misses)");
        Assert.True(rejectedCount > 150, $"only {rejectedCount} of 600 mutations rejected");
        string[] parsedAnyway = rejected.Where((text, i) => rejectedParse[i]).Take(5).ToArray();
        Assert.True(parsedAnyway.Length == 0, "rejected but Python parses:\n" + string.Join("\n-----\n", parsedAnyway));
    }

    [Fact]
    public void Check_TokenAfterLongContext_TakesMicrosecondsWhateverTheContextLength()
    {
        string context = string.Concat(StdlibFunctions.Sample.Functions.Take(200).Select(f => f + "\n")) + "def f(x):\n    return [x";
        IPrefixChecker checker = new PythonSyntaxConstraint().Begin(context);
        string[] tokens = ["]", " + ", "len", "(x", ")]", " if", " or x\n"];
        const int Calls = 200_000;
        var clock = Stopwatch.StartNew();
        int viable = 0;
        for (int i = 0; i < Calls; i++)
        {
            viable += checker.Check(tokens[i % tokens.Length]).Viable ? 1 : 0;
        }
        double microseconds = clock.Elapsed.TotalMicroseconds / Calls;
        output.WriteLine($"{context.Length} context chars: {microseconds:F3} µs per Check");
        Assert.Equal(Enumerable.Range(0, Calls).Count(i => i % tokens.Length != 4), viable); // only ")]" is rejected
        Assert.True(microseconds < 20, $"{microseconds:F1} µs per Check"); // a few µs expected; generous for a loaded machine
    }

    private void AssertEveryPrefixViable(StdlibFunctions functions, bool withContexts)
    {
        var failures = new List<string>();
        long prefixes = 0;
        var clock = Stopwatch.StartNew();
        foreach (string function in functions.Functions)
        {
            IPrefixChecker checker = new PythonSyntaxConstraint().Begin("");
            for (int i = 0; i < function.Length; i++)
            {
                string next = Char(function[i]);
                PrefixVerdict verdict = checker.Check(next);
                prefixes++;
                if (!verdict.Viable)
                {
                    failures.Add($"{verdict.Reason} (prefix of {i + 1} chars) after:\n{Tail(function, i + 1)}");
                    break;
                }
                checker.Append(next);
            }
        }
        TimeSpan byCharacter = clock.Elapsed;
        if (withContexts)
        {
            // The same texts through a context: cut each at a third of its length, Begin there, Check the rest at once.
            foreach (string function in functions.Functions)
            {
                int cut = function.Length / 3;
                var checker = (PythonPrefixChecker)new PythonSyntaxConstraint().Begin(function[..cut]);
                PrefixVerdict verdict = checker.Check(function[cut..]);
                if (checker.ContextReason != null || !verdict.Viable)
                {
                    failures.Add($"{checker.ContextReason ?? verdict.Reason} (context of {cut} chars) in a text of {function.Length} starting:\n{Tail(function, Math.Min(function.Length, 1500))}");
                }
            }
        }
        output.WriteLine($"{functions.Files} files, {functions.Functions.Count} functions, {prefixes} prefixes checked by character in "
            + $"{byCharacter.TotalSeconds:F2} s ({byCharacter.TotalNanoseconds / Math.Max(1, prefixes):F0} ns per Check and Append); total {clock.Elapsed.TotalSeconds:F2} s");
        Assert.True(failures.Count == 0, $"{failures.Count} functions rejected; the first:\n" + string.Join("\n=====\n", failures.Take(3)));
    }

    /// <summary>The last lines of the first <paramref name="length"/> characters of <paramref name="text"/>, for a failure message.</summary>
    private static string Tail(string text, int length) => text[Math.Max(0, length - 1500)..length];

    private static string Char(char c) => c < 128 ? CharTexts[c] : c.ToString();

    private static bool[] ParseWithPython(IReadOnlyList<string> texts)
    {
        string result = PythonProcess.Run(Parse, JsonSerializer.Serialize(texts));
        return JsonSerializer.Deserialize<bool[]>(result)!;
    }
}
