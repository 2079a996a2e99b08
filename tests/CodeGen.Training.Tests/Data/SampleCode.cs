using System.Text;

namespace CodeGen.Training.Tests.Data;

// Code-like test files: distinct seeds give unrelated files, and Edit makes a near-copy.
internal static class SampleCode
{
    private static readonly string[] Words =
    [
        "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "theta", "kappa", "lambda", "sigma",
        "parse", "render", "count", "merge", "split", "load", "store", "fetch", "build", "check",
        "buffer", "index", "offset", "length", "window", "token", "stream", "cache", "queue", "table",
    ];

    // lines Python-like lines of 5 word tokens each, e.g. "    kappa_3 = merge(table, offset + 417)".
    public static string Generate(int seed, int lines = 40)
    {
        Random random = new(seed);
        StringBuilder text = new();
        for (int i = 0; i < lines; i++)
        {
            text.Append($"    {Pick(random)}_{i} = {Pick(random)}({Pick(random)}, {Pick(random)} + {random.Next(1000)})\n");
        }

        return text.ToString();
    }

    // text with one identifier renamed and one line added: a typical near-duplicate.
    public static string Edit(string text) =>
        text.Replace("_3 =", "_3_renamed =", StringComparison.Ordinal) + "    extra_line = check(result)\n";

    private static string Pick(Random random) => Words[random.Next(Words.Length)];
}
