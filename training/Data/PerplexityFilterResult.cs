namespace CodeGen.Training.Data;

// Documents the perplexity filter kept (in input order), the corpus-wide median perplexity and
// that median's cut-off (for reporting), the paths it removed, and the per-language medians the
// cut-offs actually used.
internal sealed record PerplexityFilterResult(
    IReadOnlyList<CorpusDocument> Kept, double MedianPerplexity, double MaxPerplexity, IReadOnlyList<string> RemovedPaths)
{
    public IReadOnlyDictionary<string, double> MediansByLanguage { get; init; } = new Dictionary<string, double>();

    public int Removed => RemovedPaths.Count;
}
