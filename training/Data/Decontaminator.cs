namespace CodeGen.Training.Data;

// Finds documents that share an n-gram of word tokens with benchmark problems.
internal sealed class Decontaminator
{
    // Default n-gram length in word tokens.
    public const int DefaultNGram = 13;

    private readonly Dictionary<ulong, int> _benchmarkOfNGram = [];
    private readonly List<string> _benchmarks = [];

    public Decontaminator(int n)
    {
        N = n >= 1 ? n : throw new ArgumentException($"Decontamination n-gram length must be positive, was {n}.");
        MinContentTokens = (n + 1) / 2;
    }

    public int N { get; }

    // Benchmark n-grams with fewer content tokens than this (words of two or more characters,
    // see WordTokens) are not indexed: runs such as "0 1 2 ... 12" or "a b c ... m" occur in
    // benchmarks and in any lookup table, and say nothing about contamination. Half of N.
    public int MinContentTokens { get; }

    public int NGramCount => _benchmarkOfNGram.Count;

    // Indexes every n-gram of problems under the benchmark name (first name wins for shared n-grams).
    public void Add(string benchmark, IEnumerable<string> problems)
    {
        int index = _benchmarks.Count;
        _benchmarks.Add(benchmark);
        foreach (string problem in problems)
        {
            List<bool> content = [];
            List<ulong> tokens = WordTokens.Hashes(problem, content);
            int contentInWindow = content.Take(N - 1).Count(c => c);
            for (int i = 0; i + N <= tokens.Count; i++)
            {
                contentInWindow += content[i + N - 1] ? 1 : 0;
                if (contentInWindow >= MinContentTokens)
                {
                    _benchmarkOfNGram.TryAdd(WordTokens.NGramHash(tokens, i, N), index);
                }

                contentInWindow -= content[i] ? 1 : 0;
            }
        }
    }

    // The benchmark text shares an n-gram with, or null.
    public string? Match(string text)
    {
        if (_benchmarkOfNGram.Count == 0)
        {
            return null;
        }

        List<ulong> tokens = WordTokens.Hashes(text);
        for (int i = 0; i + N <= tokens.Count; i++)
        {
            if (_benchmarkOfNGram.TryGetValue(WordTokens.NGramHash(tokens, i, N), out int benchmark))
            {
                return _benchmarks[benchmark];
            }
        }

        return null;
    }
}
