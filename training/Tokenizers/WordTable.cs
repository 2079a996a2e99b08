using System.Text;

namespace CodeGen.Training.Tokenizers;

// The distinct words as symbol arrays (merged in place), in ordinal order of their text.
internal sealed class WordTable(int[][] symbols, int[] lengths, long[] counts)
{
    // Each word's symbol ids; only the first Lengths[w] entries are live.
    public int[][] Symbols { get; } = symbols;

    // How many symbols each word has now (merging shortens words).
    public int[] Lengths { get; } = lengths;

    // How often each word occurs in the corpus.
    public long[] Counts { get; } = counts;

    public static WordTable Create(IReadOnlyDictionary<string, long> wordCounts)
    {
        string[] texts = [.. wordCounts.Keys.Order(StringComparer.Ordinal)];
        int[][] symbols = new int[texts.Length][];
        int[] lengths = new int[texts.Length];
        long[] counts = new long[texts.Length];
        for (int w = 0; w < texts.Length; w++)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(texts[w]);
            symbols[w] = Array.ConvertAll(utf8, b => (int)b);
            lengths[w] = utf8.Length;
            counts[w] = wordCounts[texts[w]];
        }

        return new WordTable(symbols, lengths, counts);
    }
}
