namespace CodeGen.Training.Data;

// Second pass, once a reference model exists: drops documents whose perplexity under the model
// is more than MaxMultipleOfMedian times the median of their language (data-like, garbled or very
// unusual files). Medians are per language because a reference model trained mostly on one
// language finds the others surprising: a corpus-wide median removed 75 % of the Python files of
// the bundled model's corpus (see models/codegen-tiny/README.md). The scorer returns a document's
// mean negative log-likelihood per token (nats).
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
        double median = Median(perplexities);
        Dictionary<string, double> medians = documents.Select((document, i) => (document.Language, Perplexity: perplexities[i]))
            .GroupBy(p => p.Language)
            .ToDictionary(g => g.Key, g => Median([.. g.Select(p => p.Perplexity)]));

        List<CorpusDocument> kept = [];
        List<string> removed = [];
        for (int i = 0; i < documents.Count; i++)
        {
            if (perplexities[i] > medians[documents[i].Language] * maxMultipleOfMedian)
            {
                removed.Add(documents[i].Path);
            }
            else
            {
                kept.Add(documents[i]);
            }
        }

        return new PerplexityFilterResult(kept, median, median * maxMultipleOfMedian, removed)
        {
            MediansByLanguage = medians,
        };
    }

    private static double Median(double[] values)
    {
        double[] sorted = [.. values.Order()];
        int middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
