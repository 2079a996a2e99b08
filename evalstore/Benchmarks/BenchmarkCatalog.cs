using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CodeGen.Eval.Benchmarks;

// The benchmarks `eval run --benchmark` accepts, and their loaders.
internal static class BenchmarkCatalog
{
    public static readonly IReadOnlyList<string> Names = ["humaneval", "mbpp", "mbpp-sanitized", "humaneval-cs", "mbpp-cs", "mbppplus"];

    // The MBPP test split (the paper's): task ids 11-510.
    public const int MbppFirstTestTask = 11;
    public const int MbppLastTestTask = 510;

    // The paper's few-shot examples: tasks 2, 3 and 4.
    public static readonly IReadOnlyList<int> MbppFewShotTasks = [2, 3, 4];

    public static readonly IReadOnlyList<string> MbppThreeShotStops = ["[DONE]"];
    public static readonly IReadOnlyList<string> MbppDocstringStops = ["\nclass", "\nassert", "\n\"\"\"", "\nprint", "\nif", "\n```"];

    public static Benchmark Load(string name, MbppPromptStyle mbppStyle = MbppPromptStyle.ThreeShot) => name switch
    {
        "humaneval" => new Benchmark(name, BenchmarkLanguage.Python, TimeSpan.FromSeconds(3), LoadHumanEval()),
        "mbpp" => new Benchmark(name, BenchmarkLanguage.Python, TimeSpan.FromSeconds(10), LoadMbpp(mbppStyle)),
        "mbpp-sanitized" => new Benchmark(name, BenchmarkLanguage.Python, TimeSpan.FromSeconds(10), LoadMbppSanitized(mbppStyle)),
        "mbppplus" => new Benchmark(name, BenchmarkLanguage.Python, TimeSpan.FromSeconds(180), LoadMbppPlus(), LargeMemory: true),
        "humaneval-cs" => new Benchmark(name, BenchmarkLanguage.CSharp, TimeSpan.FromSeconds(5), LoadMultiPle(BenchmarkData.HumanEvalCs)),
        "mbpp-cs" => new Benchmark(name, BenchmarkLanguage.CSharp, TimeSpan.FromSeconds(5), LoadMultiPle(BenchmarkData.MbppCs)),
        _ => throw new ArgumentException($"Unknown benchmark '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
    };

    // The paper's prompt: "You are an expert Python programmer, and here is your task: {text} Your code should
    // pass these tests:\n\n{tests}\n[BEGIN]\n" (the examples also carry "{code}\n[DONE]\n").
    public static string MbppThreeShotPrompt(string text, IEnumerable<string> tests, IReadOnlyList<MbppRecord> examples)
    {
        var prompt = new StringBuilder();
        foreach (MbppRecord example in examples)
        {
            prompt.Append(MbppTask(example.Text, example.Tests)).Append(example.Code.Replace("\r\n", "\n", StringComparison.Ordinal)).Append("\n[DONE]\n");
        }

        return prompt.Append(MbppTask(text, tests)).ToString();
    }

    // The zero-shot docstring form: """\n{text}\n{first test}\n"""\n.
    public static string MbppDocstringPrompt(string text, string firstTest) => $"\"\"\"\n{text}\n{firstTest}\n\"\"\"\n";

    private static string MbppTask(string text, IEnumerable<string> tests) =>
        $"You are an expert Python programmer, and here is your task: {text} Your code should pass these tests:\n\n{string.Join('\n', tests)}\n[BEGIN]\n";

    private static List<Problem> LoadHumanEval() => [.. BenchmarkData.ReadLines(BenchmarkData.HumanEval).Select((line, i) =>
    {
        using JsonDocument doc = Parse(line, BenchmarkData.HumanEval, i);
        JsonElement r = doc.RootElement;
        return (Problem)new HumanEvalProblem(Str(r, "task_id"), Str(r, "prompt"), Str(r, "canonical_solution"), Str(r, "test"), Str(r, "entry_point"));
    })];

    internal static List<MbppRecord> LoadMbppRecords() => [.. BenchmarkData.ReadLines(BenchmarkData.Mbpp).Select((line, i) =>
    {
        using JsonDocument doc = Parse(line, BenchmarkData.Mbpp, i);
        JsonElement r = doc.RootElement;
        return new MbppRecord(
            r.GetProperty("task_id").GetInt32(),
            Str(r, "text"),
            Str(r, "code"),
            Str(r, "test_setup_code"),
            [.. r.GetProperty("test_list").EnumerateArray().Select(t => t.GetString()!)]);
    })];

    private static List<Problem> LoadMbpp(MbppPromptStyle style)
    {
        List<MbppRecord> records = LoadMbppRecords();
        List<MbppRecord> examples = [.. MbppFewShotTasks.Select(id => records.Single(r => r.TaskId == id))];
        return [.. records
            .Where(r => r.TaskId is >= MbppFirstTestTask and <= MbppLastTestTask)
            .Select(r => (Problem)new MbppProblem(
                r.TaskId.ToString(CultureInfo.InvariantCulture),
                MbppPrompt(style, r.Text, r.Tests, examples),
                r.Code,
                style == MbppPromptStyle.ThreeShot ? MbppThreeShotStops : MbppDocstringStops,
                r.SetupCode,
                r.Tests,
                style))];
    }

    private static List<Problem> LoadMbppSanitized(MbppPromptStyle style)
    {
        List<MbppRecord> records = LoadMbppRecords();
        List<MbppRecord> examples = [.. MbppFewShotTasks.Select(id => records.Single(r => r.TaskId == id))];
        using Stream stream = BenchmarkData.Open(BenchmarkData.MbppSanitized);
        using JsonDocument doc = JsonDocument.Parse(stream);
        return [.. doc.RootElement.EnumerateArray().Select(r =>
        {
            List<string> tests = [.. r.GetProperty("test_list").EnumerateArray().Select(t => t.GetString()!)];
            string imports = string.Join('\n', r.GetProperty("test_imports").EnumerateArray().Select(t => t.GetString()!));
            string text = Str(r, "prompt");
            return (Problem)new MbppProblem(
                r.GetProperty("task_id").GetInt32().ToString(CultureInfo.InvariantCulture),
                MbppPrompt(style, text, tests, examples),
                Str(r, "code"),
                style == MbppPromptStyle.ThreeShot ? MbppThreeShotStops : MbppDocstringStops,
                imports,
                tests,
                style);
        })];
    }

    private static string MbppPrompt(MbppPromptStyle style, string text, IReadOnlyList<string> tests, IReadOnlyList<MbppRecord> examples) =>
        style == MbppPromptStyle.ThreeShot ? MbppThreeShotPrompt(text, tests, examples) : MbppDocstringPrompt(text, tests[0]);

    // The prompt is the snapshot's description docstring ('''...''') turned into EvalPlus's form, with the
    // first base assertion as the example: """\n{description}\n{assertion}\n"""\n.
    private static List<Problem> LoadMbppPlus() => [.. BenchmarkData.ReadLines(BenchmarkData.MbppPlus).Select((line, i) =>
    {
        using JsonDocument doc = Parse(NonFiniteJson.Escape(line), BenchmarkData.MbppPlus, i);
        JsonElement r = doc.RootElement;
        string taskId = Str(r, "task_id");
        int number = int.Parse(taskId.AsSpan(taskId.IndexOf('/') + 1), CultureInfo.InvariantCulture);
        string description = Str(r, "prompt").Trim().Trim('\'', '"').Trim();
        string example = Str(r, "assertion").Trim().Split('\n')[0];
        var inputs = new List<JsonElement>(r.GetProperty("base_input").EnumerateArray());
        JsonElement plus = r.GetProperty("plus_input");
        if (plus.ValueKind == JsonValueKind.Array && number is not 635 and not 734)
        {
            inputs.AddRange(plus.EnumerateArray());
        }

        return (Problem)new MbppPlusProblem(
            taskId,
            MbppDocstringPrompt(description, example),
            Str(r, "canonical_solution"),
            Str(r, "entry_point"),
            JsonSerializer.Serialize(inputs),
            double.Parse(r.GetProperty("atol").ToString(), CultureInfo.InvariantCulture));
    })];

    private static List<Problem> LoadMultiPle(string file)
    {
        using Stream stream = BenchmarkData.Open(file);
        using JsonDocument doc = JsonDocument.Parse(stream);
        return [.. doc.RootElement.EnumerateArray().Select(r => (Problem)new MultiPleProblem(
            Str(r, "name"),
            Str(r, "prompt"),
            StopTokens(r),
            Str(r, "tests")))];
    }

    // MultiPL-E's stop_tokens: a JSON array of strings (older releases: a Python list literal in a string).
    private static List<string> StopTokens(JsonElement record)
    {
        JsonElement tokens = record.GetProperty("stop_tokens");
        return tokens.ValueKind == JsonValueKind.Array
            ? [.. tokens.EnumerateArray().Select(t => t.GetString()!)]
            : PythonStringList.Parse(tokens.GetString()!);
    }

    private static JsonDocument Parse(string line, string file, int index)
    {
        try
        {
            return JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new BenchmarkFormatException($"{file}: record {index + 1} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static string Str(JsonElement record, string property) =>
        record.TryGetProperty(property, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new BenchmarkFormatException($"Benchmark record lacks string field '{property}': {Truncate(record.ToString())}");

    private static string Truncate(string text) => text.Length <= 120 ? text : text[..120] + "...";
}
