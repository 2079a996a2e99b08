namespace CodeGen.Model.Sampling;

/// <summary>
/// Chooses the tokens of one sequence from float logits through a chain of processors: repetition, presence and
/// frequency penalties, logit_bias, an optional constraint (the decoding slot), temperature, top-k and top-p, then
/// the draw from its own seeded generator (same seed, same tokens). Returns the token with the distribution it
/// was drawn from. top-p never sorts the vocabulary: it selects the most likely candidates first and widens only
/// when they do not reach the mass. Call <see cref="Accept"/> with every token the sequence keeps.
/// </summary>
public sealed class Sampler
{
    private const int FirstCandidates = 64;

    private readonly SamplingOptions _options;
    private readonly ILogitsProcessor? _constraint;
    private readonly Random _random;
    private readonly HashSet<int> _seen;
    private readonly Dictionary<int, int> _generatedCounts = [];
    private readonly List<int> _generated = [];
    private float[] _scratch = [];
    private float[] _dense = []; // the last full-vocabulary distribution (reused: a 150k vocabulary is 600 KB a token)

    /// <summary>Creates a sampler for a sequence that starts with <paramref name="prompt"/>; validates the options.</summary>
    public Sampler(SamplingOptions options, IReadOnlyList<int>? prompt = null, ILogitsProcessor? constraint = null)
    {
        options.Validate();
        _options = options;
        _constraint = constraint;
        _random = options.Seed is int seed ? new Random(seed) : new Random();
        _seen = prompt is null ? [] : [.. prompt];
    }

    /// <summary>Tokens generated and accepted so far.</summary>
    public IReadOnlyList<int> Generated => _generated;

    /// <summary>Records a token the sequence keeps (it counts for the penalties from now on).</summary>
    public void Accept(int token)
    {
        _seen.Add(token);
        _generated.Add(token);
        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
    }

    /// <summary>Draws the next token from <paramref name="logits"/> (vocab); does not <see cref="Accept"/> it.</summary>
    public SampledToken Sample(ReadOnlySpan<float> logits)
    {
        if (_scratch.Length != logits.Length) _scratch = new float[logits.Length];
        Span<float> scores = _scratch;
        logits.CopyTo(scores);
        ApplyPenalties(scores);
        _constraint?.Process(scores, _generated);

        int token;
        TokenDistribution distribution;
        if (_options.IsGreedy)
        {
            token = ArgMax(scores);
            distribution = new TokenDistribution([token], [1f]);
        }
        else
        {
            float inverse = (float)(1.0 / _options.Temperature);
            for (int i = 0; i < scores.Length; i++) scores[i] *= inverse;
            distribution = Nucleus(scores);
            token = Draw(distribution);
        }
        return new SampledToken(token, LogSoftmaxAt(logits, token), distribution);
    }

    /// <summary>The <paramref name="count"/> most likely tokens of the raw <paramref name="logits"/> with their log-probabilities, most likely first.</summary>
    public static KeyValuePair<int, float>[] TopLogprobs(ReadOnlySpan<float> logits, int count)
    {
        float logNormalizer = LogSumExp(logits);
        int[] ids = TopCandidates(logits, Math.Min(count, logits.Length));
        var result = new KeyValuePair<int, float>[ids.Length];
        for (int i = 0; i < ids.Length; i++) result[i] = new(ids[i], logits[ids[i]] - logNormalizer);
        return result;
    }

    /// <summary>log softmax of <paramref name="logits"/> at <paramref name="token"/>.</summary>
    public static float LogSoftmaxAt(ReadOnlySpan<float> logits, int token) => logits[token] - LogSumExp(logits);

    private void ApplyPenalties(Span<float> scores)
    {
        if (_options.RepetitionPenalty != 1.0)
        {
            float penalty = (float)_options.RepetitionPenalty;
            foreach (int t in _seen)
            {
                if ((uint)t < (uint)scores.Length) scores[t] = scores[t] > 0 ? scores[t] / penalty : scores[t] * penalty;
            }
        }
        if (_options.PresencePenalty != 0 || _options.FrequencyPenalty != 0)
        {
            foreach ((int t, int count) in _generatedCounts)
            {
                if ((uint)t < (uint)scores.Length) scores[t] -= (float)(_options.PresencePenalty + _options.FrequencyPenalty * count);
            }
        }
        if (_options.LogitBias is not null)
        {
            foreach ((int t, float bias) in _options.LogitBias)
            {
                if ((uint)t < (uint)scores.Length) scores[t] += bias;
            }
        }
    }

    // Temperature-scaled scores → the kept candidates and their renormalised probabilities.
    private TokenDistribution Nucleus(ReadOnlySpan<float> scores)
    {
        bool topK = _options.TopK > 0 && _options.TopK < scores.Length;
        bool topP = _options.TopP < 1.0;
        if (!topK && !topP)
        {
            if (_dense.Length != scores.Length) _dense = new float[scores.Length];
            Softmax(scores, _dense);
            return new TokenDistribution(null, _dense);
        }

        // Without top-k the nucleus mass is measured against the whole vocabulary (HF's order: top-k renormalises first).
        float logNormalizer = topK ? float.NaN : LogSumExp(scores);
        int want = topK ? _options.TopK : Math.Min(FirstCandidates, scores.Length);
        while (true)
        {
            int[] ids = TopCandidates(scores, want);
            if (topK)
            {
                var candidateScores = new float[ids.Length];
                for (int i = 0; i < ids.Length; i++) candidateScores[i] = scores[ids[i]];
                logNormalizer = LogSumExp(candidateScores);
            }
            var probabilities = new float[ids.Length];
            double mass = 0;
            int keep = ids.Length;
            for (int i = 0; i < ids.Length; i++)
            {
                if (topP && mass >= _options.TopP)
                {
                    keep = i;
                    break;
                }
                probabilities[i] = MathF.Exp(scores[ids[i]] - logNormalizer);
                mass += probabilities[i];
            }
            bool reached = !topP || keep < ids.Length || mass >= _options.TopP || ids.Length == scores.Length || topK;
            if (!reached)
            {
                want = Math.Min(scores.Length, want * 8);
                continue;
            }
            float total = 0;
            for (int i = 0; i < keep; i++) total += probabilities[i];
            int[] keptIds = ids[..keep];
            float[] kept = new float[keep];
            for (int i = 0; i < keep; i++) kept[i] = probabilities[i] / total;
            return new TokenDistribution(keptIds, kept);
        }
    }

    private int Draw(TokenDistribution distribution)
    {
        float[] p = distribution.Probabilities;
        double draw = _random.NextDouble();
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= 0) continue;
            last = i;
            draw -= p[i];
            if (draw < 0) break;
        }
        return distribution.Ids is null ? last : distribution.Ids[last];
    }

    private static int ArgMax(ReadOnlySpan<float> scores)
    {
        int best = 0;
        for (int i = 1; i < scores.Length; i++)
        {
            if (scores[i] > scores[best]) best = i;
        }
        return best;
    }

    private static void Softmax(ReadOnlySpan<float> scores, float[] p)
    {
        float logNormalizer = LogSumExp(scores);
        for (int i = 0; i < p.Length; i++) p[i] = MathF.Exp(scores[i] - logNormalizer);
    }

    private static float LogSumExp(ReadOnlySpan<float> values)
    {
        float max = float.NegativeInfinity;
        foreach (float v in values) max = Math.Max(max, v);
        if (float.IsNegativeInfinity(max)) return max;
        double sum = 0;
        foreach (float v in values) sum += Math.Exp(v - max);
        return max + (float)Math.Log(sum);
    }

    // The k highest scores' indices, highest first (ties: lower id first), by a bounded min-heap: O(V log k), no full sort.
    private static int[] TopCandidates(ReadOnlySpan<float> scores, int k)
    {
        if (k >= scores.Length)
        {
            int[] all = Enumerable.Range(0, scores.Length).ToArray();
            float[] copy = scores.ToArray();
            Array.Sort(all, (a, b) => copy[b] != copy[a] ? copy[b].CompareTo(copy[a]) : a.CompareTo(b));
            return all;
        }
        var heap = new PriorityQueue<int, (float Score, int NegId)>(k + 1);
        for (int i = 0; i < scores.Length; i++)
        {
            var priority = (scores[i], -i);
            if (heap.Count < k) heap.Enqueue(i, priority);
            else if (heap.TryPeek(out _, out var lowest) && priority.CompareTo(lowest) > 0) heap.EnqueueDequeue(i, priority);
        }
        var result = new int[heap.Count];
        for (int i = result.Length - 1; i >= 0; i--) result[i] = heap.Dequeue();
        return result;
    }
}
