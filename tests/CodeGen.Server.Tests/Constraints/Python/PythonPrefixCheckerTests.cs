using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.Python;

namespace CodeGen.Server.Tests.Constraints.Python;

public sealed class PythonPrefixCheckerTests
{
    private static PrefixVerdict CheckAll(string text) => new PythonSyntaxConstraint().Begin("").Check(text);

    [Theory]
    [InlineData("x = foo(1, [2, {3: ")]
    [InlineData("s = 'abc")]
    [InlineData("s = \"abc\\\"")]
    [InlineData("s = '''abc\n\ndef")]
    [InlineData("s = \"\"")]
    [InlineData("s = \"\"\"doc\"\"")]
    [InlineData("s = r'\\'")]
    [InlineData("s = rb'\\\\' + br'x' + Rb\"y\" + u'z'")]
    [InlineData("s = f\"{x['a']:>{width}} {{literal}} {y!r}\"")]
    [InlineData("s = f'''{\"a\"}\n{b}'''")]
    [InlineData("s = f'\\N{EM DASH} {x}'")]
    [InlineData("s = f\"\"\"{'''a'}b'''} {''} {'}'}\"\"\"")]
    [InlineData("s = f'{x}}")]
    [InlineData("s = 'a\\\nb'")]
    [InlineData("x = 1 + \\\n    2")]
    [InlineData("def f(x):")]
    [InlineData("def f(x):\n")]
    [InlineData("def f(x):\n    ")]
    [InlineData("def f(x):  # a comment\n\n    # another\n")]
    [InlineData("def f(x):\n    return x\nel")]
    [InlineData("if x:\n    pass\nel")]
    [InlineData("if x:\n    pass\nelse")]
    [InlineData("if x:\n    pass\nelif y:\n    pass\nelse:\n    pass")]
    [InlineData("for a in b:\n    pass\nelse:\n    pass")]
    [InlineData("while a:\n    pass\nelse:\n    pass")]
    [InlineData("try:\n    pass\nexcept E:\n    pass\nelse:\n    pass\nfinally:\n    pass")]
    [InlineData("try:\n    pass\nfinally:\n    pass")]
    [InlineData("if x: pass\nelse: pass")]
    [InlineData("async for a in b:\n    pass\nelse:\n    pass")]
    [InlineData("def f():\n    if x:\n        pass\n    else:\n        pass\n")]
    [InlineData("a = 1\n  ")]
    [InlineData("...\n.5\n-x\n+x\n*a, b = c\n~x\n@dec\ndef f(): pass")]
    [InlineData("@dec\n\n# comment\n@other\nasync def f(): pass")]
    [InlineData("x = (1,\n2,\n    3)\ny = [\n]")]
    [InlineData("x = 1; y = 2;")]
    [InlineData("if (n := 10) > 5: pass")]
    [InlineData("class A:\n\tdef f(self):\n\t\treturn 1")]
    [InlineData("x = a != b")]
    [InlineData("print(x)\nan")]
    [InlineData("print(x)\nand_then = 1")]
    [InlineData("x = 1 if a else 2\nelsewhere = 3")]
    [InlineData("x = b'abc' b\"d\"")]
    [InlineData("x = -")]
    [InlineData("x = 1\n.")]
    [InlineData("x = 1\n..")]
    [InlineData("x = 1\n@")]
    [InlineData("x = 1\n*")]
    [InlineData("x = 1\n\\")]
    [InlineData("match x:\n    case 1:\n        pass\n    case _:\n        pass")]
    [InlineData("lambda: (yield)")]
    [InlineData("x = 'é' + \"日本\"")]
    [InlineData("café = 1\nπ = 3.14")]
    [InlineData("# comment\rx = (\n)")]
    [InlineData("if x:\r\n    pass\r\nelse:\r\n    pass\r\n")]
    [InlineData("x = 1 + \\\r\n    2\r")]
    public void Check_ViablePrefix_IsViable(string text)
    {
        Assert.Equal(PrefixVerdict.Ok, CheckAll(text));
    }

    /// <summary>Invalid prefixes and the reason each is rejected with; Python rejects each text too (checked below).</summary>
    public static TheoryData<string, string> Rejected { get; } = new()
    {
        { "x = 1)", "unmatched ')' at offset 5" },
        { "x = [1, 2)", "')' does not match '[' at offset 9" },
        { "x = (1, 2]", "']' does not match '(' at offset 9" },
        { "x = {1: (2}", "'}' does not match '(' at offset 10" },
        { "s = 'abc\n", "newline in string started at offset 4 (line 1) at line 1" },
        { "s = f\"a\n", "newline in string started at offset 5 (line 1) at line 1" },
        { "x = 1\n    y = 2", "unexpected indent at line 2" },
        { "def f(x):\nreturn x", "expected an indented block after line 1 at line 2" },
        { "def f(x):\n    # c\n\nreturn x", "expected an indented block after line 1 at line 4" },
        { "if x:\n    if y:\n        pass\n  z = 1", "unindent does not match any outer indentation level at line 4" },
        { "if x:\n        a = 1\n\tb = 2", "inconsistent use of tabs and spaces in indentation at line 3" },
        { "if x:\n    a = 1\nelse:\n    b = 2\nelse:", "'else' without a preceding 'if', 'for', 'while' or 'except' at line 5" },
        { "x = 1\nelse:", "'else' without a preceding 'if', 'for', 'while' or 'except' at line 2" },
        { "x = 1\nelif y:", "'elif' without a preceding 'if' at line 2" },
        { "x = 1\nexcept E:", "'except' without a preceding 'try' at line 2" },
        { "x = 1\nfinally:", "'finally' without a preceding 'try' at line 2" },
        { "try:\n    pass\nelse:", "'else' without a preceding 'if', 'for', 'while' or 'except' at line 3" },
        { "if x:\n    pass\n    else:", "'else' without a preceding 'if', 'for', 'while' or 'except' at line 3" },
        { "try:\n    pass\nx = 1", "expected 'except' or 'finally' block at line 3" },
        { "def f():\n    try:\n        pass\nx = 1", "expected 'except' or 'finally' block at line 4" },
        { "@dec\nx = 1", "expected 'def' or 'class' after a decorator at line 2" },
        { "x = 1\n, y", "',' cannot start a statement at line 2" },
        { "x = 1\n= 2", "'=' cannot start a statement at line 2" },
        { "x = 1\n    \n:", "':' cannot start a statement at line 3" },
        { "x = 1\n%", "'%' cannot start a statement at line 2" },
        { "x = 1\n.x", "'.' cannot start a statement at line 2" },
        { "x = 1\n..x", "'..' cannot start a statement at line 2" },
        { "x = 1\n**k", "'**' cannot start a statement at line 2" },
        { "x = 1\n-> int", "'->' cannot start a statement at line 2" },
        { "x = 1\n+= 1", "'+=' cannot start a statement at line 2" },
        { "x = 1\n@= m", "'@=' cannot start a statement at line 2" },
        { "x = 1\nin y", "'in' cannot start a statement at line 2" },
        { "x = 1\nand\n", "'and' cannot start a statement at line 2" },
        { "x = 1\nis(", "'is' cannot start a statement at line 2" },
        { "x = 1\n)", "unmatched ')' at offset 6" },
        { "x = 1 \\ 2", "unexpected character after line continuation at offset 7" },
        { "x = $y", "invalid character '$' at offset 4" },
        { "x = !y", "invalid character '!' at offset 4" },
        { "s = f'{x'", "f-string: expecting '}' in the string at offset 5" },
        { "s = f'{x['a']}'", "f-string: expecting '}' in the string at offset 5" },
        { "s = f'{x:>10'", "f-string: expecting '}' in the string at offset 5" },
        { "s = f'a}b'", "f-string: single '}' is not allowed at offset 7" },
        { "s = f'{a\\n}'", "f-string expression part cannot include a backslash at offset 8" },
        { "s = f'{a#}'", "f-string expression part cannot include '#' at offset 8" },
        { "s = 'a\rb'", "newline in string started at offset 4 (line 1) at line 1" },
        { "if x:\r\npass", "expected an indented block after line 1 at line 2" },
        { "s = b'é'", "bytes can only contain ASCII literal characters at offset 6" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Check_InvalidPrefix_RejectsWithRuleAndPosition(string text, string reason)
    {
        Assert.Equal(PrefixVerdict.Reject(reason), CheckAll(text));
    }

    [Fact]
    public void Check_NextText_ScansOnlyNextAndChangesNothing()
    {
        IPrefixChecker checker = new PythonSyntaxConstraint().Begin("def f(x):\n    return [x");
        Assert.Equal(PrefixVerdict.Reject("')' does not match '[' at offset 23"), checker.Check(")"));
        Assert.Equal(PrefixVerdict.Ok, checker.Check("]"));
        checker.Append("]");
        Assert.Equal("def f(x):\n    return [x]", checker.Text);
        Assert.Equal(PrefixVerdict.Reject("unmatched ']' at offset 24"), checker.Check("]"));
    }

    [Fact]
    public void Truncate_AfterAppend_RestoresTheStateAtThatLength()
    {
        IPrefixChecker checker = new PythonSyntaxConstraint().Begin("x = (");
        checker.Append("1)");
        Assert.Equal(PrefixVerdict.Reject("unmatched ')' at offset 7"), checker.Check(")"));
        checker.Truncate(6);
        Assert.Equal("x = (1", checker.Text);
        Assert.Equal(PrefixVerdict.Ok, checker.Check(")"));
        checker.Truncate(0); // never below the context
        Assert.Equal("x = (", checker.Text);
        Assert.Equal(PrefixVerdict.Reject("']' does not match '(' at offset 5"), checker.Check("]"));
    }

    [Fact]
    public void Begin_ContextNotViable_AcceptsEverything()
    {
        var checker = (PythonPrefixChecker)new PythonSyntaxConstraint().Begin("x = 1)\n");
        Assert.Equal("unmatched ')' at offset 5", checker.ContextReason);
        Assert.Equal(PrefixVerdict.Ok, checker.Check(")"));
        Assert.Null(checker.CompletedAt);
    }

    [Fact]
    public void Check_InvalidPrefixes_PythonRejectsThemToo()
    {
        string[] texts = Rejected.Select(row => (string)row[0]).ToArray();
        string result = PythonProcess.Run(PythonStdlibTests.Parse, System.Text.Json.JsonSerializer.Serialize(texts));
        bool[] parses = System.Text.Json.JsonSerializer.Deserialize<bool[]>(result)!;
        Assert.Equal([], texts.Where((text, i) => parses[i]));
    }

    [Fact]
    public void Name_IsPython()
    {
        Assert.Equal("python", new PythonSyntaxConstraint().Name);
    }
}
