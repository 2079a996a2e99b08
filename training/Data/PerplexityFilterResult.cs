namespace CodeGen.Training.Data;

// Documents the perplexity filter kept (in input order), the median perplexity, the cut-off
// and the paths it removed.
internal sealed record PerplexityFilterResult(
    IReadOnlyList<CorpusDocument> Kept, double MedianPerplexity, double MaxPerplexity, IReadOnlyList<string> RemovedPaths)
{
    public int Removed => RemovedPaths.Count;
}
