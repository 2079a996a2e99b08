using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class CompletionTrimmerTests
{
    [Fact]
    public void Trim_SingleLine_KeepsFirstLineOnly()
    {
        CompletionShape shape = CompletionShape.At("var x = \n", 8, LinePolicy.Single);

        Assert.Equal("Compute(1);", CompletionTrimmer.Trim("Compute(1);  \nvar y = 2;", shape, "\n"));
    }

    [Fact]
    public void Trim_RestOfLineRepeated_DropsTheRepeat()
    {
        // The editor closed the bracket: "Foo(" | ");" — the model's "a, b);" would double it.
        CompletionShape shape = CompletionShape.At("x = Foo();\n", 8, LinePolicy.Auto);

        Assert.Equal("a, b", CompletionTrimmer.Trim("a, b);", shape, ");\n"));
    }

    [Fact]
    public void Trim_ClosingBracketThatBalancesNestedCall_IsKept()
    {
        // "Foo(" | ")": "Bar(b)" ends with ")" but needs it; dropping it would unbalance the line.
        CompletionShape shape = CompletionShape.At("x = Foo()\n", 8, LinePolicy.Auto);

        Assert.Equal("Bar(b)", CompletionTrimmer.Trim("Bar(b)", shape, ")\n"));
    }

    [Fact]
    public void Trim_MultiLine_StopsAtLineThatLeavesTheBlock()
    {
        const string Text = "    void F()\n    {\n        \n    }\n";
        int offset = Text.IndexOf("        \n", StringComparison.Ordinal) + 8;
        CompletionShape shape = CompletionShape.At(Text, offset, LinePolicy.Auto);

        string trimmed = CompletionTrimmer.Trim("int a = 1;\n        return a;\n    }\n}\n", shape, "\n    }\n");

        Assert.Equal("int a = 1;\n        return a;", trimmed);
    }

    [Fact]
    public void Trim_MultiLineEndingWithBraceTheSuffixHas_DropsIt()
    {
        const string Text = "void F()\n{\n}\n";
        CompletionShape shape = CompletionShape.At(Text, 10, LinePolicy.Auto);

        string trimmed = CompletionTrimmer.Trim("\n    return;\n}", shape, "\n}\n");

        Assert.Equal("\n    return;", trimmed);
    }
}
