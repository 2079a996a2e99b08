using System.IO.Compression;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;

namespace CodeGen.Training.Data;

// Reads benchmark problems (HumanEval, MBPP, MultiPL-E, EvalPlus files) as decontamination
// references: per problem, the text of its string fields named in Fields, joined by newlines.
// Only used to find overlap with training data, never as training data.
internal static class BenchmarkProblems
{
    public static readonly IReadOnlyList<string> Fields =
        ["prompt", "canonical_solution", "code", "test", "text", "tests", "test_list"];

    // The problems of a .jsonl, .jsonl.gz or .json (array of objects) file.
    public static List<string> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Benchmark file not found: {path}", path);
        }

        try
        {
            if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
            {
                using JsonDocument document = JsonDocument.Parse(NonFiniteJson.Escape(File.ReadAllText(path)));
                if (document.RootElement.ValueKind != JsonValueKind.Array)
                {
                    throw new InvalidDataException($"{path}: expected a JSON array of problems, found {document.RootElement.ValueKind}.");
                }

                return [.. document.RootElement.EnumerateArray().Select(ProblemText)];
            }

            if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".jsonl.gz", StringComparison.OrdinalIgnoreCase))
            {
                using Stream file = File.OpenRead(path);
                using Stream stream = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase) ? new GZipStream(file, CompressionMode.Decompress) : file;
                using StreamReader reader = new(stream);
                List<string> problems = [];
                while (reader.ReadLine() is string line)
                {
                    if (!string.IsNullOrWhiteSpace(line))
                    {
                        using JsonDocument document = JsonDocument.Parse(NonFiniteJson.Escape(line));
                        problems.Add(ProblemText(document.RootElement));
                    }
                }

                return problems;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path}: not valid JSON: {ex.Message}", ex);
        }

        throw new InvalidDataException($"{path}: unsupported benchmark file; expected .jsonl, .jsonl.gz or .json.");
    }

    private static string ProblemText(JsonElement problem)
    {
        if (problem.ValueKind != JsonValueKind.Object)
        {
            return "";
        }

        List<string> parts = [];
        foreach (JsonProperty property in problem.EnumerateObject())
        {
            if (!Fields.Contains(property.Name))
            {
                continue;
            }

            if (property.Value.ValueKind == JsonValueKind.String)
            {
                parts.Add(property.Value.GetString()!);
            }
            else if (property.Value.ValueKind == JsonValueKind.Array)
            {
                parts.AddRange(property.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!));
            }
        }

        return string.Join('\n', parts);
    }
}
