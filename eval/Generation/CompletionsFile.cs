using System.Text.Json;
using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// --completions FILE: JSONL of {"task": <task_id or MultiPL-E name>, "completion": <text>}, several lines per
// task allowed (sample i of a task is its i-th line), as the bigcode harness's load-generations mode.
internal sealed class CompletionsFile : ICompletionSource
{
    private readonly Dictionary<string, List<string>> _byTask;

    private CompletionsFile(Dictionary<string, List<string>> byTask)
    {
        _byTask = byTask;
    }

    public string Kind => "completions-file";

    // Samples per task, by task id.
    public IReadOnlyDictionary<string, List<string>> ByTask => _byTask;

    // Reads the file; every task must belong to the benchmark.
    public static CompletionsFile Load(string path, Benchmark benchmark)
    {
        var known = benchmark.Problems.Select(p => p.TaskId).ToHashSet(StringComparer.Ordinal);
        var byTask = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string task;
            string completion;
            try
            {
                using JsonDocument doc = JsonDocument.Parse(line);
                JsonElement taskElement = doc.RootElement.GetProperty("task");
                task = taskElement.ValueKind == JsonValueKind.Number ? taskElement.GetRawText() : taskElement.GetString()!;
                completion = doc.RootElement.GetProperty("completion").GetString()!;
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new FormatException($"{path}:{lineNumber}: expected {{\"task\": ..., \"completion\": ...}}: {ex.Message}", ex);
            }

            if (!known.Contains(task))
            {
                throw new FormatException($"{path}:{lineNumber}: task '{task}' is not a problem of {benchmark.Name}.");
            }

            if (!byTask.TryGetValue(task, out List<string>? list))
            {
                byTask[task] = list = [];
            }

            list.Add(completion);
        }

        return new CompletionsFile(byTask);
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
}
