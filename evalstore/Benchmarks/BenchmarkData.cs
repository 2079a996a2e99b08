using System.IO.Compression;
using System.Reflection;

namespace CodeGen.Eval.Benchmarks;

// The vendored data files (evalstore/Benchmarks/Data, embedded in this assembly; see Data/README.md for their
// sources, licenses and sha256).
internal static class BenchmarkData
{
    public const string HumanEval = "Data/humaneval/HumanEval.jsonl.gz";
    public const string Mbpp = "Data/mbpp/mbpp.jsonl";
    public const string MbppSanitized = "Data/mbpp/sanitized-mbpp.json";
    public const string HumanEvalCs = "Data/multipl-e/humaneval-cs-reworded.json";
    public const string MbppCs = "Data/multipl-e/mbpp-cs-reworded.json";
    public const string MbppPlus = "Data/evalplus/MbppPlus-dev-767efcc-20231116.jsonl";

    // The file's bytes (decompressed for .gz).
    public static Stream Open(string name)
    {
        Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new FileNotFoundException($"Benchmark data '{name}' is not embedded in {Assembly.GetExecutingAssembly().GetName().Name}.", name);
        return name.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(stream, CompressionMode.Decompress) : stream;
    }

    // A whole embedded text file (UTF-8).
    public static string ReadText(string name)
    {
        using var reader = new StreamReader(Open(name));
        return reader.ReadToEnd();
    }

    public static IEnumerable<string> ReadLines(string name)
    {
        using var reader = new StreamReader(Open(name));
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                yield return line;
            }
        }
    }
}
