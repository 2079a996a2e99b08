using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class CompletionShapeTests
{
    [Fact]
    public void At_InsideLine_IsSingleLineStoppingAtNewline()
    {
        CompletionShape shape = CompletionShape.At("x = Foo(a);\n", 8, LinePolicy.Auto);

        Assert.Equal(new CompletionShape(false, "x = Foo(", "a);", shape.Stop), shape);
        Assert.Equal(["\n", "\r\n"], shape.Stop);
    }

    [Fact]
    public void At_LineEndOrEmptyBlock_IsMultiLineStoppingAtBlankLine()
    {
        CompletionShape lineEnd = CompletionShape.At("if (x)\n{\n    \n}\n", 13, LinePolicy.Auto);

        Assert.True(lineEnd.MultiLine);
        Assert.Equal("    ", lineEnd.LinePrefix);
        Assert.Equal(["\n\n", "\r\n\r\n"], lineEnd.Stop);
    }

    [Fact]
    public void At_Policy_OverridesPosition()
    {
        Assert.False(CompletionShape.At("if (x)\n{\n    \n}\n", 13, LinePolicy.Single).MultiLine);
        Assert.True(CompletionShape.At("if (x)\n{\n    \n}\n", 3, LinePolicy.Multi).MultiLine);
    }
}
