namespace CodeGen.Model.Sampling;

/// <summary>
/// Chooses the tokens of one sequence from float logits through a chain of processors: repetition, presence and
/// frequency penalties, logit_bias, temperature, top-k and top-p, then the draw from its own seeded generator (same
/// seed, same tokens), and an optional constraint (<see cref="ITokenConstraint"/>) that judges only the candidates
/// the draw would take: greedy decoding checks them in probability order and stops at the first allowed one;
/// sampling draws from the nucleus, and a rejected draw is removed and the rest renormalised before drawing again
/// (which samples the nucleus restricted to the allowed tokens exactly). When nothing in the nucleus is allowed the
/// draw widens to the whole distribution; when <see cref="MaxConstraintChecks"/> candidates were rejected the
/// sequence ends. top-p never sorts the vocabulary: it selects the most likely candidates first and widens only when
/// they do not reach the mass. Call <see cref="Accept"/> with every token the sequence keeps.
/// </summary>
public sealed class Sampler
{
    /// <summary>Candidates the constraint may reject for one token before the sequence ends (a constraint deadlock).</summary>
    public const int MaxConstraintChecks = 256;

    private const int FirstCandidates = 64;
    private const int FirstConstrainedCandidates = 8;

    private readonly SamplingOptions _options;
    private readonly ITokenConstraint? _constraint;
    private readonly Random _random;
    private readonly Dictionary<int, int> _seenCounts = []; // prompt and generated tokens (repetition penalty)
    private readonly Dictionary<int, int> _generatedCounts = [];
    private readonly List<int> _generated = [];
    private readonly List<int> _rejected = [];
    private float[] _scratch = [];
    private float[] _dense = []; // the last full-vocabulary distribution (reused: a 150k vocabulary is 600 KB a token)

    /// <summary>Creates a sampler for a sequence that starts with <paramref name="prompt"/>; validates the options.</summary>
    public Sampler(SamplingOptions options, IReadOnlyList<int>? prompt = null, ITokenConstraint? constraint = null)
    {
        options.Validate();
        _options = options;
        _constraint = constraint;
        _random = options.Seed is int seed ? new Random(Mix(seed)) : new Random();
        foreach (int t in prompt ?? []) _seenCounts[t] = _seenCounts.GetValueOrDefault(t) + 1;
    }

    /// <summary>Tokens generated and accepted so far.</summary>
    public IReadOnlyList<int> Generated => _generated;

    /// <summary>Whether this sampler takes the argmax.</summary>
    public bool IsGreedy => _options.IsGreedy;

    /// <summary>Tokens the constraint rejected while drawing the last token (their probability went to the others).</summary>
    public IReadOnlyList<int> LastRejected => _rejected;

    /// <summary>Records a token the sequence keeps (it counts for the penalties and the constraint from now on).</summary>
    public void Accept(int token)
    {
        _seenCounts[token] = _seenCounts.GetValueOrDefault(token) + 1;
        _generated.Add(token);
        _generatedCounts[token] = _generatedCounts.GetValueOrDefault(token) + 1;
        _constraint?.Accept(token);
    }

    /// <summary>
    /// Forgets the generated tokens from <paramref name="count"/> on (a draft model's rejected proposals). Only for a
    /// sampler without a constraint, whose state is its penalties.
    /// </summary>
    public void Rollback(int count)
    {
        if (_constraint is not null) throw new InvalidOperationException("a constrained sampler cannot roll back");
        for (int i = _generated.Count - 1; i >= count; i--)
        {
            int t = _generated[i];
            Decrement(_seenCounts, t);
            Decrement(_generatedCounts, t);
            _generated.RemoveAt(i);
        }
    }

    /// <summary>Whether the constraint (if any) allows <paramref name="token"/> next.</summary>
    public bool Allows(int token) => _constraint?.Allows(token) ?? true;

    /// <summary>A uniform draw in [0, 1) from this sequence's generator (speculative acceptance tests).</summary>
    public double NextUniform() => _random.NextDouble();

    /// <summary>Draws the next token from <paramref name="logits"/> (vocab); does not <see cref="Accept"/> it.</summary>
    public SampledToken Sample(ReadOnlySpan<float> logits) => Sample(logits, null);

    /// <summary>
    /// Draws the next token from <paramref name="logits"/>, never one of <paramref name="excluded"/> (tokens already
    /// ruled out for this position, e.g. by a speculative verification); does not <see cref="Accept"/> it.
    /// </summary>
    public SampledToken Sample(ReadOnlySpan<float> logits, IReadOnlySet<int>? excluded)
    {
        _rejected.Clear();
        if (_constraint?.Forced is int forced) return Point(forced);
        Span<float> scores = Scores(logits);
        if (_constraint is null && excluded is null)
        {
            if (_options.IsGreedy)
            {
                int best = ArgMax(scores);
                return new SampledToken(best, LogSoftmaxAt(logits, best), new TokenDistribution([best], [1f]));
            }
            Scale(scores);
            TokenDistribution distribution = Nucleus(scores, copy: false);
            int token = Draw(distribution.Probabilities, distribution.Ids, 1.0);
            return new SampledToken(token, LogSoftmaxAt(logits, token), distribution);
        }
        return _options.IsGreedy ? ConstrainedArgMax(logits, scores, excluded) : ConstrainedDraw(logits, scores, excluded);
    }

    /// <summary>
    /// The distribution the next token would be drawn from without a constraint (penalties, bias, temperature, top-k,
    /// top-p; a point mass on the argmax when greedy): the target's distribution in speculative rejection sampling.
    /// A fresh array each call.
    /// </summary>
    public TokenDistribution Distribution(ReadOnlySpan<float> logits)
    {
        Span<float> scores = Scores(logits);
        if (_options.IsGreedy)
        {
            int best = ArgMax(scores);
            return new TokenDistribution([best], [1f]);
        }
        Scale(scores);
        return Nucleus(scores, copy: true);
    }

    /// <summary>
    /// The <paramref name="count"/> most likely tokens with their log-probabilities, most likely first: of the raw
    /// logits, or, with a constraint, of the allowed tokens, over the tokens the last draw did not rule out.
    /// </summary>
    public KeyValuePair<int, float>[] Alternatives(ReadOnlySpan<float> logits, int count)
    {
        if (_constraint is null) return TopLogprobs(logits, count);
        float logNormalizer = LogSumExpExcluding(logits, _rejected);
        var result = new List<KeyValuePair<int, float>>(count);
        int[] ids = TopCandidates(logits, Math.Min(logits.Length, Math.Max(count * 4, FirstConstrainedCandidates)));
        foreach (int id in ids)
        {
            if (result.Count == count) break;
            if (!_rejected.Contains(id) && _constraint.Allows(id)) result.Add(new(id, logits[id] - logNormalizer));
        }
        return [.. result];
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

    // Greedy under a constraint: candidates in descending score, the first allowed one wins.
    private SampledToken ConstrainedArgMax(ReadOnlySpan<float> logits, ReadOnlySpan<float> scores, IReadOnlySet<int>? excluded)
    {
        int want = Math.Min(FirstConstrainedCandidates, scores.Length);
        int from = 0;
        while (true)
        {
            int[] ids = TopCandidates(scores, want);
            for (int i = from; i < ids.Length; i++)
            {
                int id = ids[i];
                if (float.IsNegativeInfinity(scores[id])) return End("every remaining candidate has probability 0");
                if (excluded?.Contains(id) != true && Allows(id))
                {
                    float logprob = logits[id] - LogSumExpExcluding(logits, _rejected);
                    return new SampledToken(id, logprob, new TokenDistribution([id], [1f]));
                }
                _rejected.Add(id);
                if (_constraint?.Forced is int forced) return Point(forced); // the rejection started the constraint's own text
                if (_rejected.Count >= MaxConstraintChecks) return End($"the constraint rejected the {MaxConstraintChecks} most likely tokens");
            }
            if (ids.Length == scores.Length) return End("the constraint allows no token of the vocabulary");
            from = ids.Length;
            want = Math.Min(scores.Length, want * 8);
        }
    }

    // Sampling under a constraint: draw, and remove a rejected draw from the nucleus; widen to the whole distribution
    // when the nucleus holds nothing allowed.
    private SampledToken ConstrainedDraw(ReadOnlySpan<float> logits, Span<float> scores, IReadOnlySet<int>? excluded)
    {
        Scale(scores);
        TokenDistribution nucleus = Nucleus(scores, copy: true);
        bool dense = nucleus.Ids is null;
        for (int pass = 0; pass < 2; pass++)
        {
            float[] p = nucleus.Probabilities;
            int[]? ids = nucleus.Ids;
            double remaining = 0;
            for (int i = 0; i < p.Length; i++)
            {
                int id = ids is null ? i : ids[i];
                if (excluded?.Contains(id) == true || _rejected.Contains(id)) p[i] = 0;
                remaining += p[i];
            }
            while (remaining > 1e-12)
            {
                int token = Draw(p, ids, remaining);
                if (Allows(token))
                {
                    var kept = new float[p.Length];
                    for (int i = 0; i < p.Length; i++) kept[i] = (float)(p[i] / remaining);
                    float logprob = logits[token] - LogSumExpExcluding(logits, _rejected);
                    return new SampledToken(token, logprob, new TokenDistribution(ids, kept));
                }
                _rejected.Add(token);
                if (_constraint?.Forced is int forced) return Point(forced);
                int index = ids is null ? token : Array.IndexOf(ids, token);
                remaining -= p[index];
                p[index] = 0;
                if (_rejected.Count >= MaxConstraintChecks) return End($"the constraint rejected {MaxConstraintChecks} drawn tokens");
            }
            if (dense) break;
            // Nothing in the nucleus is allowed: widen to the whole temperature-scaled distribution.
            var all = new float[scores.Length];
            Softmax(scores, all);
            nucleus = new TokenDistribution(null, all);
            dense = true;
        }
        return End("the constraint allows no token the model gives any probability");
    }

    // The constraint's fallback when it has one (it writes the end of the code instead), else the end of the sequence.
    private SampledToken End(string reason) =>
        _constraint?.Fallback() is int token ? Point(token) : new(-1, float.NegativeInfinity, new TokenDistribution([], []), $"constraint: {reason}");

    private static SampledToken Point(int token) => new(token, 0f, new TokenDistribution([token], [1f]));

    // The penalised, biased logits in the scratch buffer.
    private Span<float> Scores(ReadOnlySpan<float> logits)
    {
        if (_scratch.Length != logits.Length) _scratch = new float[logits.Length];
        Span<float> scores = _scratch;
        logits.CopyTo(scores);
        ApplyPenalties(scores);
        return scores;
    }

    private void Scale(Span<float> scores)
    {
        float inverse = (float)(1.0 / _options.Temperature);
        for (int i = 0; i < scores.Length; i++) scores[i] *= inverse;
    }

    private void ApplyPenalties(Span<float> scores)
    {
        if (_options.RepetitionPenalty != 1.0)
        {
            float penalty = (float)_options.RepetitionPenalty;
            foreach (int t in _seenCounts.Keys)
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
    private TokenDistribution Nucleus(ReadOnlySpan<float> scores, bool copy)
    {
        bool topK = _options.TopK > 0 && _options.TopK < scores.Length;
        bool topP = _options.TopP < 1.0;
        if (!topK && !topP)
        {
            float[] dense = copy ? new float[scores.Length] : _dense.Length == scores.Length ? _dense : _dense = new float[scores.Length];
            Softmax(scores, dense);
            return new TokenDistribution(null, dense);
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

    // A draw from probabilities p (over ids, or indexed by token id when ids is null) that sum to total.
    private int Draw(float[] p, int[]? ids, double total)
    {
        double draw = _random.NextDouble() * total;
        int last = 0;
        for (int i = 0; i < p.Length; i++)
        {
            if (p[i] <= 0) continue;
            last = i;
            draw -= p[i];
            if (draw < 0) break;
        }
        return ids is null ? last : ids[last];
    }

    // Seeds are mixed before seeding: System.Random's seeded generator gives strongly correlated first draws for
    // nearby seeds, and requests use nearby seeds (the n choices of one request take seed + i).
    private static int Mix(int seed)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (int)((z ^ (z >> 31)) & int.MaxValue);
    }

    private static void Decrement(Dictionary<int, int> counts, int token)
    {
        int left = counts[token] - 1;
        if (left == 0) counts.Remove(token);
        else counts[token] = left;
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

    // log Σ exp(values) over every index not in excluded (a constrained distribution's normaliser).
    private static float LogSumExpExcluding(ReadOnlySpan<float> values, List<int> excluded)
    {
        if (excluded.Count == 0) return LogSumExp(values);
        var skip = new HashSet<int>(excluded);
        float max = float.NegativeInfinity;
        for (int i = 0; i < values.Length; i++)
        {
            if (!skip.Contains(i)) max = Math.Max(max, values[i]);
        }
        if (float.IsNegativeInfinity(max)) return max;
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (!skip.Contains(i)) sum += Math.Exp(values[i] - max);
        }
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
