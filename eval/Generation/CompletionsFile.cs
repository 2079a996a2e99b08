using System.IO.Compression;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// --completions PATH: completions made elsewhere, sample i of a task being its i-th completion in the file. Read:
// - ours: JSONL of {"task": <task_id or MultiPL-E name>, "completion": <text>}, several lines per task allowed;
// - EvalPlus samples: JSONL of {"task_id": ..., "solution": <whole program>} or {"task_id": ..., "completion": ...};
// - bigcode-evaluation-harness generations: one JSON list with, per problem in the benchmark's order, the list of
//   its generations (the first N problems when the harness ran with --limit N);
// - MultiPL-E: a directory of its per-problem files (<name>.json or .json.gz: {"name": ..., "completions": [...]}),
//   or one such file.
// Ours and EvalPlus's "completion" are taken as written. The other formats may hold whole programs: a text that
// starts with the prompt (or with the prompt trimmed, as bigcode writes it) keeps what follows it; any other is
// taken as the completion. (A whole Python program after a Python prompt simply redefines the prompt's function.)
internal sealed class CompletionsFile : ICompletionSource
{
    private const string Expected =
        "expected {\"task\": ..., \"completion\": ...} or EvalPlus's {\"task_id\": ..., \"solution\" or \"completion\": ...}";

    private readonly Dictionary<string, List<string>> _byTask;

    private CompletionsFile(Dictionary<string, List<string>> byTask)
    {
        _byTask = byTask;
    }

    public string Kind => "completions-file";

    // Samples per task, by task id.
    public IReadOnlyDictionary<string, List<string>> ByTask => _byTask;

    // Reads the file (or MultiPL-E directory); every task must belong to the benchmark. Throws FormatException naming
    // the file, the line or entry, and what is wrong with it.
    public static CompletionsFile Load(string path, Benchmark benchmark)
    {
        Dictionary<string, Problem> problems = benchmark.Problems.ToDictionary(p => p.TaskId, StringComparer.Ordinal);
        var reader = new Reader(benchmark, problems);
        if (Directory.Exists(path))
        {
            string[] files = [.. Directory.EnumerateFiles(path).Where(IsMultiPleFile).Order(StringComparer.Ordinal)];
            if (files.Length == 0)
            {
                throw new FormatException($"{path}: a directory, but with no MultiPL-E completion files (*.json, *.json.gz) in it.");
            }

            foreach (string file in files)
            {
                ReadMultiPle(file, ReadAllText(file), reader);
            }

            return new CompletionsFile(reader.ByTask);
        }

        string text = ReadAllText(path);
        string start = text.TrimStart();
        if (start.StartsWith('['))
        {
            ReadBigcode(path, text, reader);
        }
        else if (IsMultiPleFile(path) && TryParse(text) is { } document)
        {
            using (document)
            {
                // One JSON object: a MultiPL-E file, unless it is a one-line file of ours or EvalPlus's.
                if (document.RootElement.ValueKind == JsonValueKind.Object && !document.RootElement.TryGetProperty("task", out _)
                    && !document.RootElement.TryGetProperty("task_id", out _))
                {
                    ReadMultiPle(path, document.RootElement, reader);
                }
                else
                {
                    ReadJsonLines(path, text, reader);
                }
            }
        }
        else
        {
            ReadJsonLines(path, text, reader);
        }

        return new CompletionsFile(reader.ByTask);
    }

    public Task<IReadOnlyList<string>> GetAsync(Problem problem, int first, int count, CancellationToken cancellationToken)
    {
        List<string> all = _byTask.GetValueOrDefault(problem.TaskId) ?? [];
        if (first + count > all.Count)
        {
            throw new InvalidOperationException($"The completions file has {all.Count} completions for {problem.TaskId}; sample {first + count - 1} was asked for.");
        }

        return Task.FromResult<IReadOnlyList<string>>(all.GetRange(first, count));
    }

    private static bool IsMultiPleFile(string path) =>
        path.EndsWith(".json", StringComparison.Ordinal) || path.EndsWith(".json.gz", StringComparison.Ordinal);

    private static string ReadAllText(string path)
    {
        using Stream file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static JsonDocument? TryParse(string text)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // Ours and EvalPlus's samples, one JSON object a line.
    private static void ReadJsonLines(string path, string text, Reader reader)
    {
        int lineNumber = 0;
        foreach (string line in text.Split('\n'))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string where = $"{path}:{lineNumber}";
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new FormatException($"{where}: not JSON ({ex.Message}); {Expected}.", ex);
            }

            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                {
                    throw new FormatException($"{where}: a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not an object; {Expected}.");
                }

                if (root.TryGetProperty("task", out JsonElement task))
                {
                    reader.Add(where, TaskId(where, "task", task), Text(where, root, "completion"), asWritten: true);
                }
                else if (root.TryGetProperty("task_id", out JsonElement taskId))
                {
                    string id = TaskId(where, "task_id", taskId);
                    if (root.TryGetProperty("solution", out _))
                    {
                        reader.Add(where, id, Text(where, root, "solution"), asWritten: false);
                    }
                    else if (root.TryGetProperty("completion", out _))
                    {
                        reader.Add(where, id, Text(where, root, "completion"), asWritten: true);
                    }
                    else
                    {
                        throw new FormatException($"{where}: missing field \"solution\" (or \"completion\"); EvalPlus lines are {{\"task_id\": ..., \"solution\": ...}}.");
                    }
                }
                else
                {
                    throw new FormatException($"{where}: missing field \"task\" (or EvalPlus's \"task_id\"); {Expected}.");
                }
            }
        }
    }

    // bigcode-evaluation-harness: [[generation, ...] per problem, in the benchmark's order].
    private static void ReadBigcode(string path, string text, Reader reader)
    {
        using JsonDocument document = TryParse(text)
            ?? throw new FormatException($"{path}: starts with '[' but is not JSON; bigcode-evaluation-harness generations are a list of lists of strings.");
        JsonElement root = document.RootElement;
        IReadOnlyList<Problem> problems = reader.Benchmark.Problems;
        int count = root.GetArrayLength();
        if (count > problems.Count)
        {
            throw new FormatException($"{path}: {count} entries, but {reader.Benchmark.Name} has {problems.Count} problems; bigcode-evaluation-harness generations hold one list per problem, in order.");
        }

        int index = 0;
        foreach (JsonElement generations in root.EnumerateArray())
        {
            string where = $"{path}: entry {index} ({problems[index].TaskId})";
            if (generations.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{where}: a JSON {generations.ValueKind.ToString().ToLowerInvariant()}, not a list of generations.");
            }

            foreach (JsonElement generation in generations.EnumerateArray())
            {
                if (generation.ValueKind != JsonValueKind.String)
                {
                    throw new FormatException($"{where}: a generation that is a JSON {generation.ValueKind.ToString().ToLowerInvariant()}, not a string.");
                }

                reader.Add(where, problems[index].TaskId, generation.GetString()!, asWritten: false);
            }

            index++;
        }
    }

    private static void ReadMultiPle(string path, string text, Reader reader)
    {
        using JsonDocument document = TryParse(text) ?? throw new FormatException($"{path}: not JSON; MultiPL-E completion files are {{\"name\": ..., \"completions\": [...]}}.");
        ReadMultiPle(path, document.RootElement, reader);
    }

    // MultiPL-E: {"name": ..., "completions": [...], ...} for one problem.
    private static void ReadMultiPle(string path, JsonElement root, Reader reader)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path}: a JSON {root.ValueKind.ToString().ToLowerInvariant()}; MultiPL-E completion files are {{\"name\": ..., \"completions\": [...]}}.");
        }

        if (!root.TryGetProperty("name", out JsonElement name))
        {
            throw new FormatException($"{path}: missing field \"name\"; MultiPL-E completion files are {{\"name\": ..., \"completions\": [...]}}.");
        }

        string task = TaskId(path, "name", name);
        if (!root.TryGetProperty("completions", out JsonElement completions) || completions.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException($"{path}: missing field \"completions\" (a list of strings); MultiPL-E completion files are {{\"name\": ..., \"completions\": [...]}}.");
        }

        int index = 0;
        foreach (JsonElement completion in completions.EnumerateArray())
        {
            if (completion.ValueKind != JsonValueKind.String)
            {
                throw new FormatException($"{path}: \"completions\"[{index}] is a JSON {completion.ValueKind.ToString().ToLowerInvariant()}, not a string.");
            }

            reader.Add(path, task, completion.GetString()!, asWritten: false);
            index++;
        }
    }

    private static string TaskId(string where, string field, JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Number => value.GetRawText(),
        _ => throw new FormatException($"{where}: field \"{field}\" is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a task id."),
    };

    private static string Text(string where, JsonElement root, string field)
    {
        if (!root.TryGetProperty(field, out JsonElement value))
        {
            throw new FormatException($"{where}: missing field \"{field}\"; {Expected}.");
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"{where}: field \"{field}\" is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a string.");
    }

    // Collects completions by task, checking each task against the benchmark.
    private sealed class Reader(Benchmark benchmark, Dictionary<string, Problem> problems)
    {
        public Benchmark Benchmark { get; } = benchmark;

        public Dictionary<string, List<string>> ByTask { get; } = new(StringComparer.Ordinal);

        // asWritten: the text is a completion as is; otherwise it may be a whole program that starts with the prompt.
        public void Add(string where, string task, string text, bool asWritten)
        {
            if (!problems.TryGetValue(task, out Problem? problem))
            {
                throw new FormatException($"{where}: task '{task}' is not a problem of {Benchmark.Name}.");
            }

            if (!ByTask.TryGetValue(task, out List<string>? list))
            {
                ByTask[task] = list = [];
            }

            list.Add(asWritten ? text : AfterPrompt(problem.Prompt, text));
        }

        private static string AfterPrompt(string prompt, string text)
        {
            string trimmed = prompt.TrimEnd();
            return text.StartsWith(prompt, StringComparison.Ordinal) ? text[prompt.Length..]
                : trimmed.Length > 0 && text.StartsWith(trimmed, StringComparison.Ordinal) ? text[trimmed.Length..]
                : text;
        }
    }
}
