namespace CodeGen.Training.Data;

// Which documents near-deduplication removes: DuplicateOf[i] is the index of the kept
// document (first of its cluster) that document i duplicates, or -1 if i is kept.
internal sealed record NearDedupResult(int[] DuplicateOf, int Bands, int Rows)
{
    public int Removed => DuplicateOf.Count(kept => kept >= 0);

    // Clusters with more than one member.
    public int Clusters => DuplicateOf.Where(kept => kept >= 0).Distinct().Count();
}
