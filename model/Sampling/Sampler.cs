using static TorchSharp.torch;

namespace CodeGen.Model.Sampling;

/// <summary>
/// Chooses tokens from logits for one sequence: repetition penalty, then greedy or temperature with top-k
/// and top-p filtering, drawing from its own seeded generator (same seed, same tokens).
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly Random _random;

    /// <summary>Creates a sampler; validates the options.</summary>
    public Sampler(SamplingOptions options)
    {
        options.Validate();
        _options = options;
        _random = options.Seed is int seed ? new Random(seed) : new Random();
    }

    /// <summary>Picks the next token from float32 logits (vocab) given the tokens so far (prompt and generated).</summary>
    public int Sample(Tensor logits, IReadOnlyCollection<int> history)
    {
        using var scope = NewDisposeScope();
        Tensor scores = logits.to(float32).cpu().flatten();
        if (_options.RepetitionPenalty != 1.0 && history.Count > 0)
        {
            Tensor seen = tensor(history.Distinct().Select(t => (long)t).ToArray(), int64);
            Tensor values = scores.index_select(0, seen);
            Tensor penalised = where(values.gt(0), values.div(_options.RepetitionPenalty), values.mul(_options.RepetitionPenalty));
            scores = scores.index_copy(0, seen, penalised);
        }
        if (_options.IsGreedy) return (int)scores.argmax().item<long>();

        scores = scores.div(_options.Temperature);
        Tensor candidateScores, candidateIds;
        if (_options.TopK > 0 && _options.TopK < scores.shape[0])
        {
            (candidateScores, candidateIds) = scores.topk(_options.TopK); // sorted, descending
        }
        else if (_options.TopP < 1.0)
        {
            (candidateScores, candidateIds) = scores.sort(descending: true);
        }
        else
        {
            candidateScores = scores;
            candidateIds = arange(scores.shape[0], int64);
        }
        float[] probabilities = candidateScores.softmax(0).data<float>().ToArray();
        long[] ids = candidateIds.data<long>().ToArray();
        int keep = probabilities.Length;
        if (_options.TopP < 1.0)
        {
            // Keep tokens while the mass before them is below top_p (the first token always stays).
            double cumulative = 0;
            for (int i = 0; i < probabilities.Length; i++)
            {
                if (cumulative >= _options.TopP)
                {
                    keep = i;
                    break;
                }
                cumulative += probabilities[i];
            }
        }
        double total = 0;
        for (int i = 0; i < keep; i++) total += probabilities[i];
        double draw = _random.NextDouble() * total;
        for (int i = 0; i < keep; i++)
        {
            draw -= probabilities[i];
            if (draw < 0) return (int)ids[i];
        }
        return (int)ids[keep - 1];
    }
}
