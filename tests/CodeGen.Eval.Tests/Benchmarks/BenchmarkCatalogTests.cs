using System.Reflection;
using System.Security.Cryptography;
using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Tests.Benchmarks;

public sealed class BenchmarkCatalogTests
{
    [Theory]
    [InlineData("humaneval", 164, "HumanEval/0", "HumanEval/163")]
    [InlineData("mbpp", 500, "11", "510")]
    [InlineData("mbpp-sanitized", 427, "2", "809")]
    [InlineData("humaneval-cs", 158, "HumanEval_23_strlen", "HumanEval_56_correct_bracketing")]
    [InlineData("mbpp-cs", 386, null, null)]
    [InlineData("mbppplus", 399, "Mbpp/2", "Mbpp/809")]
    public void Load_Benchmark_HasAllProblems(string name, int count, string? first, string? last)
    {
        Benchmark benchmark = BenchmarkCatalog.Load(name);

        Assert.Equal(count, benchmark.Problems.Count);
        Assert.Equal(count, benchmark.Problems.Select(p => p.TaskId).Distinct().Count());
        if (first is not null)
        {
            Assert.Equal(first, benchmark.Problems[0].TaskId);
            Assert.Equal(last, benchmark.Problems[^1].TaskId);
        }
    }

    [Fact]
    public void Load_HumanEval_PromptIsTheDataSetsPromptAndProgramAppendsCheck()
    {
        Problem problem = BenchmarkCatalog.Load("humaneval").Problems[0];

        Assert.StartsWith("from typing import List\n\n\ndef has_close_elements(numbers: List[float], threshold: float) -> bool:\n", problem.Prompt, StringComparison.Ordinal);
        Assert.EndsWith("    True\n    \"\"\"\n", problem.Prompt, StringComparison.Ordinal);
        Assert.Equal(["\nclass", "\ndef", "\n#", "\nif", "\nprint"], problem.StopSequences);
        string program = problem.BuildProgram("    return X\n");
        Assert.StartsWith(problem.Prompt + "    return X\n\n\n", program, StringComparison.Ordinal);
        Assert.EndsWith("\n\ncheck(has_close_elements)\n", program, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MbppThreeShot_PromptIsThePapersFormatWithTasks2To4()
    {
        Problem problem = BenchmarkCatalog.Load("mbpp").Problems[0];

        Assert.Equal("11", problem.TaskId);
        Assert.StartsWith(
            "You are an expert Python programmer, and here is your task: Write a function to find the similar elements from the given two tuple lists. Your code should pass these tests:\n\n" +
            "assert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)\nassert similar_elements((1, 2, 3, 4),(5, 4, 3, 7)) == (3, 4)\nassert similar_elements((11, 12, 14, 13),(17, 15, 14, 13)) == (13, 14)\n[BEGIN]\n",
            problem.Prompt,
            StringComparison.Ordinal);
        Assert.Equal(3, CountOf(problem.Prompt, "[DONE]\n"));
        Assert.EndsWith(
            "[DONE]\nYou are an expert Python programmer, and here is your task: Write a python function to remove first and last occurrence of a given character from the string. Your code should pass these tests:\n\n" +
            "assert remove_Occ(\"hello\",\"l\") == \"heo\"\nassert remove_Occ(\"abcda\",\"a\") == \"bcd\"\nassert remove_Occ(\"PHP\",\"P\") == \"H\"\n[BEGIN]\n",
            problem.Prompt,
            StringComparison.Ordinal);
        Assert.Equal(["[DONE]"], problem.StopSequences);
    }

    [Fact]
    public void Load_MbppDocstring_PromptIsDocstringWithFirstTest()
    {
        Problem problem = BenchmarkCatalog.Load("mbpp", MbppPromptStyle.Docstring).Problems[0];

        Assert.Equal("\"\"\"\nWrite a python function to remove first and last occurrence of a given character from the string.\nassert remove_Occ(\"hello\",\"l\") == \"heo\"\n\"\"\"\n", problem.Prompt);
        Assert.Equal(["\nclass", "\nassert", "\n\"\"\"", "\nprint", "\nif", "\n```"], problem.StopSequences);
    }

    [Fact]
    public void BuildProgram_MbppTaskWithSetupUsingSolutionClass_PutsSolutionBeforeSetup()
    {
        Problem problem = BenchmarkCatalog.Load("mbpp").Problems.Single(p => p.TaskId == "367");

        string program = problem.BuildProgram("class Node:\n    pass\n");

        Assert.StartsWith("class Node:\n    pass\n\n\nroot = Node(1) \r\n", program, StringComparison.Ordinal);
        Assert.EndsWith("assert is_tree_balanced(root2) == False \n", program, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MultiPle_PromptStopTokensAndProgram()
    {
        Problem problem = BenchmarkCatalog.Load("humaneval-cs").Problems[0];

        Assert.Equal(["\n    }\n"], problem.StopSequences);
        Assert.EndsWith("    public static long Strlen(string str) {\n", problem.Prompt, StringComparison.Ordinal);
        Assert.Null(problem.CanonicalSolution);
        Assert.Equal(problem.Prompt + "        return str.Length;\n" + "    }\n    public static void Main(string[] args) {\n    Debug.Assert(Strlen((\"\")) == (0L));\n    Debug.Assert(Strlen((\"x\")) == (1L));\n    Debug.Assert(Strlen((\"asdasnakj\")) == (9L));\n    }\n\n}\n", problem.BuildProgram("        return str.Length;\n"));
    }

    [Fact]
    public void Load_MbppPlus_PromptHasDescriptionAndExample()
    {
        Problem problem = BenchmarkCatalog.Load("mbppplus").Problems[0];

        Assert.Equal("\"\"\"\nWrite a function to find the shared elements from the given two lists.\nassert similar_elements((3, 4, 5, 6),(5, 7, 4, 10)) == (4, 5)\n\"\"\"\n", problem.Prompt);
    }

    [Theory]
    [InlineData("['\\n    }\\n']", new[] { "\n    }\n" })]
    [InlineData("['\\nclass', \"\\ndef\", 'a\\'b']", new[] { "\nclass", "\ndef", "a'b" })]
    [InlineData("[]", new string[0])]
    public void Parse_PythonStringList_ReturnsStrings(string literal, string[] expected)
    {
        Assert.Equal(expected, PythonStringList.Parse(literal));
    }

    // The vendored files are byte-identical to the ones whose sha256 evalstore/Benchmarks/Data/README.md lists.
    [Theory]
    [InlineData(BenchmarkData.HumanEval, "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef")]
    [InlineData(BenchmarkData.Mbpp, "ccf64ceae9c5403bf50a044cb6d505bfd2a2963ee58338ba268fd65beab92a9f")]
    [InlineData(BenchmarkData.MbppSanitized, "ca95deaa9a01ef0a6f439f88bcf0dd3db3563d22f22aad6cae04ebb9a8d8c8e9")]
    [InlineData(BenchmarkData.HumanEvalCs, "9083ccef8dd33869e943484b7943ccbf31cb977a692b9b8aee9691c8055e43a9")]
    [InlineData(BenchmarkData.MbppCs, "825c794e2bd786a87f709e8cb4fffea88ca8d35d2e2bf69619846161f5d5b718")]
    [InlineData(BenchmarkData.MbppPlus, "08405a4e8764a4941cfe0945d25a956355a0454f364ea902c4020a44e7057973")]
    public void EmbeddedData_Sha256MatchesReadme(string name, string sha256)
    {
        using Stream stream = typeof(BenchmarkData).Assembly.GetManifestResourceStream(name)!;

        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, "", StringComparison.Ordinal).Length) / part.Length;
}
