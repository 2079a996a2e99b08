using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using CodeGen.Model.Tokenization;

namespace CodeGen.Training.Tokenizers;

// Splits text into words with Qwen2's pre-tokenizer pattern (Hugging Face Split, behavior
// Isolated: text between matches is a word too) and counts how often each word occurs.
internal static partial class WordCounter
{
    // Counts the words of all texts, on all cores.
    public static Dictionary<string, long> Count(IEnumerable<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        Dictionary<string, long> total = new(StringComparer.Ordinal);
        Lock gate = new();
        Parallel.ForEach(
            texts,
            () => new Dictionary<string, long>(StringComparer.Ordinal),
            (text, _, local) =>
            {
                CountInto(text, local);
                return local;
            },
            local =>
            {
                lock (gate)
                {
                    foreach ((string word, long count) in local)
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(total, word, out _) += count;
                    }
                }
            });
        return total;
    }

    // Adds the words of text to counts.
    public static void CountInto(string text, Dictionary<string, long> counts)
    {
        Dictionary<string, long>.AlternateLookup<ReadOnlySpan<char>> lookup = counts.GetAlternateLookup<ReadOnlySpan<char>>();
        ReadOnlySpan<char> span = text;
        int position = 0;
        foreach (ValueMatch match in Pattern().EnumerateMatches(span))
        {
            if (match.Length == 0)
            {
                continue;
            }

            if (match.Index > position)
            {
                CollectionsMarshal.GetValueRefOrAddDefault(lookup, span[position..match.Index], out _)++;
            }

            CollectionsMarshal.GetValueRefOrAddDefault(lookup, span.Slice(match.Index, match.Length), out _)++;
            position = match.Index + match.Length;
        }

        if (position < span.Length)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(lookup, span[position..], out _)++;
        }
    }

    [GeneratedRegex(PreTokenizerPatterns.Qwen2, RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
