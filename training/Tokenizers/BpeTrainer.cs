using System.Runtime.InteropServices;

namespace CodeGen.Training.Tokenizers;

// Learns byte-level BPE merges from word counts (see WordCounter), as Hugging
// Face's BpeTrainer does: start from the 256 byte symbols, repeatedly merge the most frequent
// adjacent pair. Pair counts are updated only in the words that contain the merged pair, and
// the next pair comes from a priority queue whose stale entries are refreshed when they surface,
// so each merge costs time in proportion to the words it touches, not the corpus.
// Ties between pairs of equal count go to the smaller (left id, right id), which makes the
// result a function of the word counts alone: same input, same merges, same file.
internal sealed class BpeTrainer
{
    // Most frequent first; among equals the smaller pair key (left id, then right id).
    private static readonly Comparer<(long Count, long Pair)> Priority = Comparer<(long Count, long Pair)>.Create(
        static (x, y) => x.Count != y.Count ? y.Count.CompareTo(x.Count) : x.Pair.CompareTo(y.Pair));

    private readonly BpeTrainerOptions _options;

    public BpeTrainer(BpeTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int minimum = 256 + options.SpecialTokens.Count;
        if (options.VocabSize < minimum)
        {
            throw new ArgumentException(
                $"Vocabulary size {options.VocabSize} is too small: the 256 byte symbols and {options.SpecialTokens.Count} special tokens need {minimum}.",
                nameof(options));
        }

        _options = options;
    }

    // Learns merges from wordCounts (word to number of occurrences).
    public TrainedBpe Train(IReadOnlyDictionary<string, long> wordCounts)
    {
        ArgumentNullException.ThrowIfNull(wordCounts);
        WordTable words = WordTable.Create(wordCounts);
        Dictionary<long, long> pairCounts = [];
        Dictionary<long, List<int>> pairWords = [];
        for (int w = 0; w < words.Symbols.Length; w++)
        {
            int[] symbols = words.Symbols[w];
            for (int i = 0; i + 1 < symbols.Length; i++)
            {
                long pair = PairKey(symbols[i], symbols[i + 1]);
                CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _) += words.Counts[w];
                AddOccurrence(pairWords, pair, w);
            }
        }

        PriorityQueue<long, (long Count, long Pair)> queue = new(Priority);
        foreach ((long pair, long count) in pairCounts)
        {
            queue.Enqueue(pair, (count, pair));
        }

        List<byte[]> tokens = new(_options.VocabSize);
        for (int b = 0; b < 256; b++)
        {
            tokens.Add([(byte)b]);
        }

        List<(int Left, int Right)> merges = [];
        int mergeBudget = _options.VocabSize - 256 - _options.SpecialTokens.Count;
        int[] lastMergedInto = new int[words.Symbols.Length];
        Array.Fill(lastMergedInto, -1);
        HashSet<long> created = [];
        while (merges.Count < mergeBudget && queue.TryDequeue(out long pair, out (long Count, long Pair) entry))
        {
            long current = pairCounts.GetValueOrDefault(pair);
            if (current != entry.Count)
            {
                // Stale: the pair lost occurrences to earlier merges. Counts only ever fall, so
                // re-queueing at the true count keeps the queue's top exact.
                if (current > 0)
                {
                    queue.Enqueue(pair, (current, pair));
                }

                continue;
            }

            if (current < _options.MinFrequency)
            {
                break; // The top is exact, so every other pair is at most this frequent.
            }

            (int left, int right) = SplitKey(pair);
            int newId = tokens.Count;
            merges.Add((left, right));
            tokens.Add([.. tokens[left], .. tokens[right]]);

            created.Clear();
            foreach (int w in pairWords[pair])
            {
                // A word is listed once per time the pair was created in it; merge it once.
                if (lastMergedInto[w] != newId)
                {
                    lastMergedInto[w] = newId;
                    MergeWord(words, w, left, right, newId, pairCounts, pairWords, created);
                }
            }

            pairCounts.Remove(pair);
            pairWords.Remove(pair);
            foreach (long newPair in created)
            {
                if (pairCounts.TryGetValue(newPair, out long count) && count > 0)
                {
                    queue.Enqueue(newPair, (count, newPair));
                }
            }
        }

        return new TrainedBpe(tokens, merges, _options.SpecialTokens);
    }

    // Replaces every (left, right) in word w by newId, left to right, updating pair counts.
    private static void MergeWord(
        WordTable words,
        int w,
        int left,
        int right,
        int newId,
        Dictionary<long, long> pairCounts,
        Dictionary<long, List<int>> pairWords,
        HashSet<long> created)
    {
        int[] symbols = words.Symbols[w];
        int length = words.Lengths[w];
        long count = words.Counts[w];
        int read = 0;
        int write = 0;
        while (read < length)
        {
            if (read + 1 < length && symbols[read] == left && symbols[read + 1] == right)
            {
                // symbols[write - 1] is the (possibly just merged) symbol before the pair.
                if (write > 0)
                {
                    Add(pairCounts, PairKey(symbols[write - 1], left), -count);
                    long before = PairKey(symbols[write - 1], newId);
                    Add(pairCounts, before, count);
                    AddOccurrence(pairWords, before, w);
                    created.Add(before);
                }

                if (read + 2 < length)
                {
                    Add(pairCounts, PairKey(right, symbols[read + 2]), -count);
                    long after = PairKey(newId, symbols[read + 2]);
                    Add(pairCounts, after, count);
                    AddOccurrence(pairWords, after, w);
                    created.Add(after);
                }

                symbols[write++] = newId;
                read += 2;
            }
            else
            {
                symbols[write++] = symbols[read++];
            }
        }

        words.Lengths[w] = write;
    }

    private static void Add(Dictionary<long, long> pairCounts, long pair, long delta)
    {
        ref long count = ref CollectionsMarshal.GetValueRefOrAddDefault(pairCounts, pair, out _);
        count += delta;
        if (count == 0)
        {
            pairCounts.Remove(pair);
        }
    }

    private static void AddOccurrence(Dictionary<long, List<int>> pairWords, long pair, int w)
    {
        ref List<int>? list = ref CollectionsMarshal.GetValueRefOrAddDefault(pairWords, pair, out _);
        list ??= [];
        if (list.Count == 0 || list[^1] != w)
        {
            list.Add(w);
        }
    }

    private static long PairKey(int left, int right) => ((long)left << 32) | (uint)right;

    private static (int Left, int Right) SplitKey(long pair) => ((int)(pair >> 32), (int)(uint)pair);
}
