using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.CSharp;

namespace CodeGen.Server.Tests.Constraints.CSharp;

public sealed class CSharpSyntaxConstraintTests
{
    private const string Method = "using System;\nclass Problem {\n    public static long F(long x, string s) {\n";

    private static readonly CSharpSyntaxConstraint Constraint = new();

    // Prefixes that more text can still complete: every prefix of each must be viable.
    [Theory]
    [InlineData("        return x + 1;\n    }\n")]
    [InlineData("        if (x > 0) {\n            return x;\n        }\n        return -x;\n    }\n")] // unbalanced braces mid-way
    [InlineData("        var t = \"an unterminated string mid-way\";\n        return t.Length;\n    }\n")]
    [InlineData("        var v = @\"verbatim\nover lines\";\n        return 0;\n    }\n")]
    [InlineData("        var r = $\"{x} and {s.Length,3:D}\";\n        return r.Length;\n    }\n")]
    [InlineData("        var raw = \"\"\"\n            raw text\n            \"\"\";\n        return raw.Length;\n    }\n")]
    [InlineData("        char c = '\\u0041';\n        return c;\n    }\n")]
    [InlineData("        /* a block comment\n           over lines */\n        return 0; // done\n    }\n")]
    [InlineData("        Func<long, long, long> add = (long p, long q) => p + q;\n        return add(x, 1L);\n    }\n")]
    [InlineData("        var d = new Dictionary<int, int[]>();\n        for (long i = 0; i < x; i++) { }\n        return d.Count;\n    }\n")]
    [InlineData("        return x switch { 0 => 1, _ => x * F(x - 1, s) };\n    }\n")]
    [InlineData("        var e = 1e10 + 0x1F + 0b101 + 1_000L + .5f;\n        return (long)e;\n    }\n")]
    [InlineData("        try { return 1; } catch (Exception) { return 0; } finally { }\n    }\n")]
    [InlineData("        static long Twice(long y) => y * 2;\n        return Twice(x);\n    }\n")]
    [InlineData("        var list = new List<(int Id, string Name)>();\n        return list.Count > 0 ? 1 : 0;\n    }\n")]
    [InlineData("        int[] a = [1, 2, 3];\n        return a is [1, ..] ? 1 : 0;\n    }\n")]
    [InlineData("        return s?.Length ?? 0;\n    }\n")]
    [InlineData("#if DEBUG\n        Console.WriteLine(x);\n#endif\n        return x;\n    }\n")] // a directive being written is trivia, open to the end
    public void Check_EveryPrefixOfValidCode_IsViable(string body)
    {
        PrefixScan.Result result = PrefixScan.Run(Constraint, Method, body);
        Assert.Null(result.Reason);
        Assert.Equal(body.Length + 1, result.Viable);
    }

    // Continuations no text can repair, rejected at the first character that makes them so, and not earlier: offset K
    // means body[0..K] is the shortest rejected prefix (its last character is the culprit).
    [Theory]
    [InlineData("        int 3x = 0;", 13)] // a number where a name must be
    [InlineData("        return x);", 17)] // a stray ')'
    [InlineData("        return x + ;", 20)] // an operand missing before ';'
    [InlineData("        var s2 = \"a\\q\";", 21)] // an unknown escape in a string
    [InlineData("        x = = 1;", 13)] // two assignments
    [InlineData("        return; ]", 17)] // a stray ']'
    [InlineData("        long y = x x;", 20)] // two expressions side by side
    [InlineData("    }\n    }\n}\n}", 13)] // a brace more than the file opened
    [InlineData("        if (x) else {", 20)] // else without a statement ("else" alone may still grow into a name)
    [InlineData("        var e = 1e46_D;", 21)] // a digit separator at the end of an exponent: Roslyn takes no digit after it (the eval run that found it went on to `1e46_D`)
    public void Check_InvalidContinuation_IsRejectedAtTheFirstUnrepairableCharacter(string body, int offset)
    {
        PrefixScan.Result result = PrefixScan.Run(Constraint, Method, body);
        Assert.Equal(offset, result.RejectedAt);
        Assert.StartsWith("CS", result.Reason);
    }

    [Fact]
    public void CompletedAt_BodyClosesTheMethod_EndsBeforeItsBrace()
    {
        IPrefixChecker checker = Constraint.Begin(Method);
        checker.Append("        if (x > 0) { return 1; }\n        return 0;\n");
        Assert.Null(checker.CompletedAt);
        checker.Append("    }\n}\n");
        Assert.Equal(Method.Length + "        if (x > 0) { return 1; }\n        return 0;\n    ".Length, checker.CompletedAt);
    }

    [Fact]
    public void CompletedAt_MemberAtClassLevel_EndsAfterTheMember()
    {
        const string context = "class C {\n";
        IPrefixChecker checker = Constraint.Begin(context);
        checker.Append("    int Twice(int y) { return y * 2; }");
        Assert.Equal(context.Length + "    int Twice(int y) { return y * 2; }".Length, checker.CompletedAt);
        IPrefixChecker field = Constraint.Begin(context);
        field.Append("    private int _count = 0;\n    int");
        Assert.Equal(context.Length + "    private int _count = 0;".Length, field.CompletedAt);
    }

    [Fact]
    public void CompletedAt_BraceInsideAStringOrInterpolation_DoesNotEndTheCompletion()
    {
        IPrefixChecker checker = Constraint.Begin(Method);
        checker.Append("        var t = \"}\" + $\"{x}\";\n");
        Assert.Null(checker.CompletedAt);
    }

    [Fact]
    public void Truncate_DropsRejectedDraftsAndForgetsTheirCompletion()
    {
        IPrefixChecker checker = Constraint.Begin(Method);
        checker.Append("        return 1;\n    }");
        Assert.NotNull(checker.CompletedAt);
        checker.Truncate(Method.Length + "        return 1;\n".Length);
        Assert.Null(checker.CompletedAt);
        Assert.Equal(Method + "        return 1;\n", checker.Text);
        Assert.False(checker.Check(")").Viable);
        Assert.True(checker.Check("    }").Viable);
    }

    [Fact]
    public void Check_InsideALineComment_TakesAnyTextUpToTheLineEnd()
    {
        IPrefixChecker checker = Constraint.Begin(Method + "        // a comment ");
        Assert.True(checker.Check(")))) ]]] int 3x").Viable);
        checker.Append(")))) ]]]");
        Assert.True(checker.Check("\n        return 0;").Viable);
        Assert.False(checker.Check("\n        )").Viable);
    }

    [Fact]
    public void Check_FileScopedNamespaceAndNestedTypes_ParsesTheMemberInTheirStandIns()
    {
        const string context = "namespace A.B;\nusing System;\n/// docs\npublic sealed record class Outer(int X)\n{\n    private struct Inner\n    {\n        public readonly int Get()\n        {\n";
        PrefixScan.Result ok = PrefixScan.Run(Constraint, context, "            return 1;\n        }\n    }\n}\n");
        Assert.Null(ok.Reason);
        PrefixScan.Result bad = PrefixScan.Run(Constraint, context, "            return 1));");
        Assert.Equal(21, bad.RejectedAt);
        // The diagnostic's position is in the whole text, not in the shortened one the checker parsed.
        int at = int.Parse(bad.Reason!.Split(' ')[2].TrimEnd(':'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(at, context.Length + 12, context.Length + 21);
    }
}
