using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.Python;

namespace CodeGen.Server.Tests.Constraints.Python;

public sealed class PythonCompletedAtTests
{
    private const string HumanEvalPrompt = "from typing import List\n\n\ndef has_close(numbers: List[float]) -> bool:\n    \"\"\" Check.\n    >>> has_close([1.0])\n    False\n    \"\"\"\n";

    private static int? CompletedAt(string context, string generated)
    {
        IPrefixChecker checker = new PythonSyntaxConstraint().Begin(context);
        Assert.Equal(PrefixVerdict.Ok, checker.Check(generated));
        checker.Append(generated);
        return checker.CompletedAt;
    }

    [Fact]
    public void CompletedAt_HumanEvalBodyThenTopLevelDef_IsTheStartOfTheDefLine()
    {
        string body = "    for n in numbers:\n        if n:\n            return True\n\n    return False\n\n\n";
        Assert.Equal(HumanEvalPrompt.Length + body.Length, CompletedAt(HumanEvalPrompt, body + "def check(candidate):\n    pass"));
    }

    [Fact]
    public void CompletedAt_HumanEvalBodyThenPrint_IsTheStartOfThePrintLine()
    {
        string body = "    return False\n# trailing comment at column 0\n";
        Assert.Equal(HumanEvalPrompt.Length + body.Length, CompletedAt(HumanEvalPrompt, body + "print"));
    }

    [Fact]
    public void CompletedAt_BodyStillGoing_IsNull()
    {
        Assert.Null(CompletedAt(HumanEvalPrompt, "    x = 1\n\n    if x:\n        return x\n    "));
    }

    [Fact]
    public void CompletedAt_ContextAtLevelZeroOutsideAnyBlock_IsNull()
    {
        Assert.Null(CompletedAt("import os\n", "x = 1\ndef f():\n    pass\ny = 2\n"));
    }

    [Fact]
    public void CompletedAt_ContextEndsOnColonInsideBrackets_IsNull()
    {
        Assert.Null(CompletedAt("d = {1:", " 2}\nx = 3\n"));
    }

    [Fact]
    public void CompletedAt_ContextEndsOnHeader_FinishesAtTheNextLineAtTheHeadersColumn()
    {
        Assert.Equal(28, CompletedAt("def f(x):\n", "    return x + 1\n\nx = 2"));
        Assert.Equal(28, CompletedAt("def f(x):", "\n    return x + 1\n\nx = 2"));
    }

    [Fact]
    public void CompletedAt_CrLfLines_IsTheStartOfTheDedentedLine()
    {
        Assert.Equal(27, CompletedAt("def f(x):\r\n", "    return x\r\n\r\nx = 2\r\n"));
    }

    [Fact]
    public void CompletedAt_NestedBlock_FinishesAtTheEnclosingLevel()
    {
        string context = "class A:\n    def f(self):\n        ";
        Assert.Equal(context.Length + 12, CompletedAt(context, "return self\n    def g(self):"));
    }

    [Fact]
    public void CompletedAt_ContinuationAndStringLinesAtColumnZero_DoNotFinish()
    {
        Assert.Null(CompletedAt(HumanEvalPrompt, "    s = '''\nat zero\n'''\n    t = (1,\n2)\n    u = 1 + \\\n3\n"));
    }

    [Fact]
    public void CompletedAt_AfterTruncateBeforeTheDedent_IsNullAgain()
    {
        IPrefixChecker checker = new PythonSyntaxConstraint().Begin(HumanEvalPrompt);
        checker.Append("    return False\ndef g");
        Assert.Equal(HumanEvalPrompt.Length + 17, checker.CompletedAt);
        checker.Truncate(HumanEvalPrompt.Length + 17);
        Assert.Null(checker.CompletedAt);
    }
}
