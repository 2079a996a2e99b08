using System.IO.Compression;
using System.Text.Json;

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
                using JsonDocument document = JsonDocument.Parse(WithoutNonFiniteNumbers(File.ReadAllText(path)));
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
                        using JsonDocument document = JsonDocument.Parse(WithoutNonFiniteNumbers(line));
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

    // Python's json writes NaN, Infinity and -Infinity (EvalPlus inputs have them); JSON has no
    // such numbers, so outside strings they become null. Only string fields are read anyway.
    public static string WithoutNonFiniteNumbers(string json)
    {
        if (!json.Contains("NaN", StringComparison.Ordinal) && !json.Contains("Infinity", StringComparison.Ordinal))
        {
            return json;
        }

        System.Text.StringBuilder result = new(json.Length);
        bool inString = false;
        for (int i = 0; i < json.Length; i++)
        {
            char c = json[i];
            if (inString)
            {
                result.Append(c);
                if (c == '\\' && i + 1 < json.Length)
                {
                    result.Append(json[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            string? token = c switch
            {
                'N' when string.CompareOrdinal(json, i, "NaN", 0, 3) == 0 => "NaN",
                'I' when string.CompareOrdinal(json, i, "Infinity", 0, 8) == 0 => "Infinity",
                '-' when string.CompareOrdinal(json, i, "-Infinity", 0, 9) == 0 => "-Infinity",
                _ => null,
            };
            if (token is not null)
            {
                result.Append("null");
                i += token.Length - 1;
                continue;
            }

            inString = c == '"';
            result.Append(c);
        }

        return result.ToString();
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
