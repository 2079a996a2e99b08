namespace CodeGen.Training.Data;

// MinHash + LSH near-deduplication settings; defaults follow The Stack (BigCode).
internal sealed record NearDedupOptions
{
    // Shingles are this many consecutive word tokens.
    public int ShingleSize { get; init; } = 5;

    // MinHash signature length (hash functions).
    public int NumPermutations { get; init; } = 256;

    // Documents whose estimated Jaccard similarity is at least this are duplicates.
    public double Threshold { get; init; } = 0.7;

    // LSH bands; with Rows, null picks the pair that minimises false positives plus
    // false negatives around Threshold (as datasketch does). Bands x Rows <= NumPermutations.
    public int? Bands { get; init; }

    public int? Rows { get; init; }

    // Seed of the hash family, so signatures (and the result) are the same on every run.
    public ulong Seed { get; init; } = 42;
}
