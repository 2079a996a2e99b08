using CodeGen.Lsp.Completion;

namespace CodeGen.Lsp.Tests.Completion;

public sealed class PromptBuilderTests
{
    [Fact]
    public void Build_WithContext_PutsPathCommentedPassagesThenCurrentPathBeforePrefix()
    {
        const string Text = "class A\n{\n    int Total() => Sum(\n}\n";
        int offset = Text.IndexOf("Sum(", StringComparison.Ordinal) + 4;
        ContextSnippet[] snippets = [new("src/Math.cs", "static int Sum(int a, int b) => a + b;")];

        CompletionPrompt prompt = PromptBuilder.Build(Text, offset, "csharp", "src/A.cs", snippets, new LspSettings());

        Assert.Equal(
            "// Path: src/Math.cs\nstatic int Sum(int a, int b) => a + b;\n\n// Path: src/A.cs\nclass A\n{\n    int Total() => Sum(",
            prompt.Prompt);
        Assert.Equal("\n}\n", prompt.Suffix);
    }

    [Fact]
    public void Build_NoContext_IsPlainPrefixAndSuffixWithHashCommentsForPython()
    {
        CompletionPrompt withoutContext = PromptBuilder.Build("def f():\n    return 1\n", 13, "python", "f.py", [], new LspSettings());
        CompletionPrompt withContext = PromptBuilder.Build("x = 1\n", 4, "python", "f.py", [new("g.py", "y = 2")], new LspSettings());

        Assert.Equal(new CompletionPrompt("", "def f():\n    ", "return 1\n"), withoutContext);
        Assert.Equal("# Path: g.py\ny = 2\n\n# Path: f.py\n", withContext.Context);
    }

    [Fact]
    public void Build_OverBudget_CutsPrefixAndSuffixAtWholeLines()
    {
        // 12 tokens at 3 characters: 36 characters; the suffix gets at most a quarter (9), the prefix the rest (29).
        string text = string.Concat(Enumerable.Range(0, 10).Select(i => $"line {i}\n"));
        int offset = text.IndexOf("line 5", StringComparison.Ordinal);

        CompletionPrompt prompt = PromptBuilder.Build(text, offset, "csharp", "a.cs", [], new LspSettings { PromptTokens = 12, ContextTokens = 0 });

        Assert.Equal("line 5\n", prompt.Suffix);
        Assert.Equal("line 1\nline 2\nline 3\nline 4\n", prompt.Prefix);
    }
}
