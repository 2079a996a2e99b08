using System.IO.Compression;
using System.Text;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Generation;

namespace CodeGen.Eval.Tests.Generation;

// Each format --completions reads, from a small file written as that harness writes it, and the errors.
public sealed class CompletionsFileTests : IDisposable
{
    private static readonly Benchmark HumanEval = BenchmarkCatalog.Load("humaneval");
    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-completions-").FullName;

    private static Problem He(int i) => HumanEval.Problems[i];

    [Fact]
    public void Load_OurJsonl_SamplesInLineOrderAsWritten()
    {
        string path = Write("ours.jsonl", """
            {"task": "HumanEval/0", "completion": "    return True\n"}

            {"task": "HumanEval/1", "completion": "    return []\n"}
            {"task": "HumanEval/0", "completion": "    return False\n"}
            """);

        CompletionsFile file = CompletionsFile.Load(path, HumanEval);

        Assert.Equal(["    return True\n", "    return False\n"], file.ByTask["HumanEval/0"]);
        Assert.Equal(["    return []\n"], file.ByTask["HumanEval/1"]);
        Assert.Equal(2, file.ByTask.Count);
    }

    // EvalPlus samples.jsonl: "solution" is the whole program (prompt included), "completion" only what follows it.
    [Fact]
    public void Load_EvalPlusSamples_SolutionLosesThePromptCompletionKeptAsIs()
    {
        string solution = He(2).Prompt + "    return number % 1.0\n";
        string standalone = "def truncate_number(number: float) -> float:\n    return number - int(number)\n";
        string path = Write("samples.jsonl", string.Join('\n',
            JsonSerializer.Serialize(new { task_id = "HumanEval/2", solution }),
            JsonSerializer.Serialize(new { task_id = "HumanEval/2", solution = standalone }),
            JsonSerializer.Serialize(new { task_id = "HumanEval/3", completion = "    return False\n" })));

        CompletionsFile file = CompletionsFile.Load(path, HumanEval);

        Assert.Equal(["    return number % 1.0\n", standalone], file.ByTask["HumanEval/2"]);
        Assert.Equal(["    return False\n"], file.ByTask["HumanEval/3"]);
    }

    // bigcode-evaluation-harness generations.json: per problem in order, its generations; for HumanEval each is the
    // stripped prompt followed by the generation.
    [Fact]
    public void Load_BigcodeGenerations_ListPerProblemInBenchmarkOrder()
    {
        string[][] generations =
        [
            [He(0).Prompt.Trim() + "\n    return False\n", He(0).Prompt.Trim() + "\n    return True\n"],
            [He(1).Prompt.Trim() + "\n    return []\n", He(1).Prompt.Trim() + "  # same line\n    return []\n"],
            ["    return 0.0\n"],
        ];
        string path = Write("generations.json", JsonSerializer.Serialize(generations));

        CompletionsFile file = CompletionsFile.Load(path, HumanEval);

        // The stripped prompt plus the generation's leading newline is the prompt: what follows is the completion.
        Assert.Equal(["    return False\n", "    return True\n"], file.ByTask["HumanEval/0"]);
        Assert.Equal(["    return []\n", "  # same line\n    return []\n"], file.ByTask["HumanEval/1"]);
        Assert.Equal(["    return 0.0\n"], file.ByTask["HumanEval/2"]);
        Assert.Equal(3, file.ByTask.Count);
    }

    // MultiPL-E writes one file per problem (often gzipped) holding its completions.
    [Fact]
    public void Load_MultiPleDirectory_EveryProblemFileGzippedOrNot()
    {
        Benchmark cs = BenchmarkCatalog.Load("humaneval-cs");
        string dir = Directory.CreateDirectory(Path.Combine(_directory, "multipl-e")).FullName;
        Problem first = cs.Problems[0];
        Problem second = cs.Problems[1];
        File.WriteAllText(Path.Combine(dir, first.TaskId + ".json"), JsonSerializer.Serialize(new
        {
            name = first.TaskId, language = "cs", prompt = first.Prompt, completions = new[] { "        return 1;\n    }\n", "        return 2;\n    }\n" },
        }));
        using (var gz = new GZipStream(File.Create(Path.Combine(dir, second.TaskId + ".json.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new { name = second.TaskId, completions = new[] { "        return 3;\n    }\n" } })));
        }

        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not a completion file");

        CompletionsFile file = CompletionsFile.Load(dir, cs);

        Assert.Equal(["        return 1;\n    }\n", "        return 2;\n    }\n"], file.ByTask[first.TaskId]);
        Assert.Equal(["        return 3;\n    }\n"], file.ByTask[second.TaskId]);
        Assert.Equal(2, file.ByTask.Count);
    }

    [Fact]
    public void Load_OneMultiPleFile_ReadsItsCompletions()
    {
        string path = Write("HumanEval_0.json", JsonSerializer.Serialize(new { name = "HumanEval/0", completions = new[] { He(0).Prompt + "    return True\n" } }));

        Assert.Equal(["    return True\n"], CompletionsFile.Load(path, HumanEval).ByTask["HumanEval/0"]);
    }

    [Theory]
    [InlineData("{\"task\": \"HumanEval/0\"}", "ours.jsonl:2: missing field \"completion\"; expected {\"task\": ..., \"completion\": ...}")]
    [InlineData("{\"completion\": \"x\"}", "ours.jsonl:2: missing field \"task\" (or EvalPlus's \"task_id\")")]
    [InlineData("{\"task_id\": \"HumanEval/0\"}", "ours.jsonl:2: missing field \"solution\" (or \"completion\")")]
    [InlineData("{\"task\": \"HumanEval/0\", \"completion\": 3}", "ours.jsonl:2: field \"completion\" is a JSON number, not a string.")]
    [InlineData("{\"task\": \"HumanEval/999\", \"completion\": \"x\"}", "ours.jsonl:2: task 'HumanEval/999' is not a problem of humaneval.")]
    [InlineData("not json", "ours.jsonl:2: not JSON (")]
    public void Load_BadLine_ErrorNamesTheLineAndTheField(string secondLine, string expected)
    {
        string path = Write("ours.jsonl", "{\"task\": \"HumanEval/1\", \"completion\": \"x\"}\n" + secondLine + "\n");

        FormatException ex = Assert.Throws<FormatException>(() => CompletionsFile.Load(path, HumanEval));

        Assert.StartsWith(Path.Combine(_directory, expected), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BigcodeEntryNotAList_ErrorNamesTheEntryAndProblem()
    {
        string path = Write("generations.json", "[[\"a\"], \"b\"]");

        FormatException ex = Assert.Throws<FormatException>(() => CompletionsFile.Load(path, HumanEval));

        Assert.Equal($"{path}: entry 1 (HumanEval/1): a JSON string, not a list of generations.", ex.Message);
    }

    [Fact]
    public void Load_BigcodeMoreEntriesThanProblems_Error()
    {
        string path = Write("generations.json", JsonSerializer.Serialize(Enumerable.Repeat(new[] { "x" }, 165)));

        FormatException ex = Assert.Throws<FormatException>(() => CompletionsFile.Load(path, HumanEval));

        Assert.StartsWith($"{path}: 165 entries, but humaneval has 164 problems", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MultiPleFileWithoutCompletions_ErrorNamesTheFileAndField()
    {
        string dir = Directory.CreateDirectory(Path.Combine(_directory, "m")).FullName;
        string path = Path.Combine(dir, "HumanEval_0.json");
        File.WriteAllText(path, "{\"name\": \"HumanEval/0\", \"prompt\": \"...\"}");

        FormatException ex = Assert.Throws<FormatException>(() => CompletionsFile.Load(dir, HumanEval));

        Assert.StartsWith($"{path}: missing field \"completions\"", ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Write(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
