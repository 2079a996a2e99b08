namespace CodeGen.Training.Data;

// Second pass, once a reference model exists: drops documents whose perplexity under the model
// is more than MaxMultipleOfMedian times the corpus median (data-like, garbled or very unusual
// files). The scorer returns a document's mean negative log-likelihood per token (nats).
internal sealed class PerplexityFilter(Func<string, double> scorer, double maxMultipleOfMedian = PerplexityFilter.DefaultMaxMultipleOfMedian)
{
    // Documents above 3x the median perplexity are dropped.
    public const double DefaultMaxMultipleOfMedian = 3.0;

    public PerplexityFilterResult Apply(IReadOnlyList<CorpusDocument> documents)
    {
        if (maxMultipleOfMedian <= 0)
        {
            throw new ArgumentException($"Perplexity multiple of the median must be positive, was {maxMultipleOfMedian}.");
        }

        if (documents.Count == 0)
        {
            return new PerplexityFilterResult([], 0, 0, []);
        }

        double[] perplexities = [.. documents.Select(document => Math.Exp(scorer(document.Text)))];
        double[] sorted = [.. perplexities.Order()];
        int middle = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        double max = median * maxMultipleOfMedian;

        List<CorpusDocument> kept = [];
        List<string> removed = [];
        for (int i = 0; i < documents.Count; i++)
        {
            if (perplexities[i] > max)
            {
                removed.Add(documents[i].Path);
            }
            else
            {
                kept.Add(documents[i]);
            }
        }

        return new PerplexityFilterResult(kept, median, max, removed);
    }
}
