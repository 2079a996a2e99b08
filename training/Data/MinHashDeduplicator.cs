namespace CodeGen.Training.Data;

// Near-deduplication with MinHash signatures over word-token shingles and LSH banding.
// Documents sharing a band are candidates; a candidate pair counts only if its estimated
// Jaccard similarity reaches the threshold. The first document of a cluster (in input
// order) is kept, and the cluster is the documents verified similar to it.
internal sealed class MinHashDeduplicator
{
    private readonly NearDedupOptions _options;
    private readonly ulong[] _multipliers;
    private readonly ulong[] _increments;

    public MinHashDeduplicator(NearDedupOptions options)
    {
        if (options.ShingleSize < 1 || options.NumPermutations < 1 || options.Threshold is <= 0 or > 1)
        {
            throw new ArgumentException($"Invalid near-dedup options: shingle size {options.ShingleSize}, permutations {options.NumPermutations}, threshold {options.Threshold}.");
        }

        (Bands, Rows) = options.Bands is int bands && options.Rows is int rows
            ? (bands, rows)
            : OptimalBandsRows(options.Threshold, options.NumPermutations);
        if (Bands < 1 || Rows < 1 || Bands * Rows > options.NumPermutations)
        {
            throw new ArgumentException($"Near-dedup bands x rows ({Bands} x {Rows}) must be positive and at most the permutations ({options.NumPermutations}).");
        }

        _options = options;
        _multipliers = new ulong[options.NumPermutations];
        _increments = new ulong[options.NumPermutations];
        ulong state = options.Seed;
        for (int i = 0; i < options.NumPermutations; i++)
        {
            _multipliers[i] = SplitMix(ref state) | 1;
            _increments[i] = SplitMix(ref state);
        }
    }

    public int Bands { get; }

    public int Rows { get; }

    // The (bands, rows) with bands x rows <= permutations that minimises the integrated
    // false-positive probability below threshold plus false-negative probability above it.
    public static (int Bands, int Rows) OptimalBandsRows(double threshold, int permutations)
    {
        (int, int) best = (1, 1);
        double bestError = double.MaxValue;
        for (int b = 1; b <= permutations; b++)
        {
            for (int r = 1; r <= permutations / b; r++)
            {
                double falsePositive = Integrate(s => 1 - Math.Pow(1 - Math.Pow(s, r), b), 0, threshold);
                double falseNegative = Integrate(s => Math.Pow(1 - Math.Pow(s, r), b), threshold, 1);
                double error = falsePositive + falseNegative;
                if (error < bestError)
                {
                    bestError = error;
                    best = (b, r);
                }
            }
        }

        return best;
    }

    // MinHash signature of text: per hash function, the least hash of its distinct shingles.
    // Text without word tokens gets null.
    public uint[]? Signature(string text)
    {
        List<ulong> tokens = WordTokens.Hashes(text);
        if (tokens.Count == 0)
        {
            return null;
        }

        int size = Math.Min(_options.ShingleSize, tokens.Count);
        HashSet<ulong> shingles = [];
        for (int i = 0; i + size <= tokens.Count; i++)
        {
            shingles.Add(WordTokens.NGramHash(tokens, i, size));
        }

        uint[] signature = new uint[_multipliers.Length];
        Array.Fill(signature, uint.MaxValue);
        ulong[] multipliers = _multipliers;
        ulong[] increments = _increments;
        foreach (ulong shingle in shingles)
        {
            for (int j = 0; j < signature.Length; j++)
            {
                // Multiply-shift hashing: the high 32 bits of a*x + b (mod 2^64).
                uint value = (uint)((multipliers[j] * shingle + increments[j]) >> 32);
                if (value < signature[j])
                {
                    signature[j] = value;
                }
            }
        }

        return signature;
    }

    // Fraction of equal positions: an estimate of the Jaccard similarity of the shingle sets.
    public static double EstimatedJaccard(uint[] a, uint[] b)
    {
        int equal = 0;
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == b[i])
            {
                equal++;
            }
        }

        return (double)equal / a.Length;
    }

    public NearDedupResult Deduplicate(IReadOnlyList<string> texts)
    {
        uint[]?[] signatures = new uint[]?[texts.Count];
        Parallel.For(0, texts.Count, i => signatures[i] = Signature(texts[i]));
        return Deduplicate(signatures);
    }

    // Greedy in input order: a document is a duplicate of the first kept document it shares
    // an LSH band with whose estimated Jaccard similarity reaches the threshold; otherwise it
    // is kept and enters the buckets. Every removed document thus has a kept near-copy (no
    // chains A~B~C that would drop C although it differs from A).
    public NearDedupResult Deduplicate(IReadOnlyList<uint[]?> signatures)
    {
        int[] duplicateOf = new int[signatures.Count];
        Array.Fill(duplicateOf, -1);
        Dictionary<ulong, List<int>>[] buckets = [.. Enumerable.Range(0, Bands).Select(_ => new Dictionary<ulong, List<int>>())];
        HashSet<int> checkedCandidates = [];
        ulong[] keys = new ulong[Bands];
        for (int i = 0; i < signatures.Count; i++)
        {
            if (signatures[i] is not uint[] signature)
            {
                continue;
            }

            checkedCandidates.Clear();
            for (int band = 0; band < Bands && duplicateOf[i] < 0; band++)
            {
                keys[band] = BandKey(signature, band);
                if (buckets[band].TryGetValue(keys[band], out List<int>? members))
                {
                    foreach (int j in members)
                    {
                        if (checkedCandidates.Add(j) && EstimatedJaccard(signature, signatures[j]!) >= _options.Threshold)
                        {
                            duplicateOf[i] = j;
                            break;
                        }
                    }
                }
            }

            if (duplicateOf[i] >= 0)
            {
                continue;
            }

            for (int band = 0; band < Bands; band++)
            {
                if (buckets[band].TryGetValue(keys[band], out List<int>? members))
                {
                    members.Add(i);
                }
                else
                {
                    buckets[band][keys[band]] = [i];
                }
            }
        }

        return new NearDedupResult(duplicateOf, Bands, Rows);
    }

    private ulong BandKey(uint[] signature, int band)
    {
        ulong key = (ulong)band;
        for (int i = band * Rows; i < (band + 1) * Rows; i++)
        {
            key = WordTokens.Mix(key ^ signature[i]) + (ulong)i;
        }

        return key;
    }

    // Simpson's rule on 100 intervals; the integrands are smooth.
    private static double Integrate(Func<double, double> f, double from, double to)
    {
        const int Intervals = 100;
        double h = (to - from) / Intervals;
        double sum = f(from) + f(to);
        for (int i = 1; i < Intervals; i++)
        {
            sum += f(from + (i * h)) * (i % 2 == 1 ? 4 : 2);
        }

        return sum * h / 3;
    }

    private static ulong SplitMix(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return WordTokens.Mix(state);
    }
}
