using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Cli;

// --problems ID,... and --problems-file FILE: the chosen problems, in the benchmark's order.
internal static class ProblemSelection
{
    // Every problem when neither is given. Throws FormatException naming an id that is not in the benchmark (or the
    // file and line that holds it).
    public static IReadOnlyList<Problem> Select(Benchmark benchmark, string? ids, string? idsFile)
    {
        List<(string Id, string Where)> wanted;
        if (ids is not null)
        {
            wanted = [.. ids.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(id => (id, "--problems"))];
            if (wanted.Count == 0)
            {
                throw new FormatException("--problems names no task id; give ids separated by commas, e.g. --problems HumanEval/0,HumanEval/5.");
            }
        }
        else if (idsFile is not null)
        {
            wanted = [.. File.ReadLines(idsFile)
                .Select((line, index) => (Id: StripComment(line).Trim(), Where: $"{idsFile}:{index + 1}"))
                .Where(entry => entry.Id.Length > 0)];
            if (wanted.Count == 0)
            {
                throw new FormatException($"{idsFile} lists no task id (one a line).");
            }
        }
        else
        {
            return benchmark.Problems;
        }

        var known = benchmark.Problems.Select(p => p.TaskId).ToHashSet(StringComparer.Ordinal);
        foreach ((string id, string where) in wanted)
        {
            if (!known.Contains(id))
            {
                throw new FormatException($"{where}: '{id}' is not a problem of {benchmark.Name} (its ids look like {benchmark.Problems[0].TaskId}).");
            }
        }

        var chosen = wanted.Select(w => w.Id).ToHashSet(StringComparer.Ordinal);
        return [.. benchmark.Problems.Where(p => chosen.Contains(p.TaskId))];
    }

    private static string StripComment(string line) => line.IndexOf('#', StringComparison.Ordinal) is int hash and >= 0 ? line[..hash] : line;
}
