using CodeGen.Model.Sampling;
using CodeGen.Server.Backends;
using CodeGen.Server.Engine;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Decoding;

/// <summary>
/// Chooses the tokens a sequence keeps from its logit rows: one draw for plain decoding, or the verification of its
/// drafts (speculative decoding) by the standard rule, which leaves the target's distribution unchanged. Greedy: a
/// draft is kept while it equals the target's (constrained) argmax; the first that differs is replaced by it.
/// Sampling: draft x drawn from q is kept with probability min(1, p(x)/q(x)); at the first rejection the token is
/// drawn from the residual max(0, p - q) renormalised (with an n-gram proposal q is a point mass, so p without x).
/// Under a constraint, drafts were judged before verification (only allowed ones are proposed) and a residual draw
/// the constraint rejects is removed and the rest of p drawn from as in plain constrained sampling, which samples p
/// restricted to the allowed tokens exactly. Every kept token is accepted into the sampler (penalties, constraint).
/// </summary>
internal static class TokenSelection
{
    /// <summary>The tokens <paramref name="s"/> keeps from its rows (index <paramref name="index"/> of the step).</summary>
    public static SampledRun Select(SequenceState s, StepLogits logits, int index)
    {
        int rows = logits.Rows(index);
        int drafts = s.Drafts.Count;
        var steps = new List<SampledStep>(drafts + 1);
        int first = rows - 1 - drafts; // the row that predicts the first draft
        for (int j = 0; j <= drafts; j++)
        {
            ReadOnlySpan<float> row = logits.Row(index, first + j);
            if (j == drafts || s.Sampler.IsGreedy)
            {
                SampledToken token = s.Sampler.Sample(row);
                Keep(s, steps, token, row);
                if (token.IsEnd || j == drafts || token.TokenId != s.Drafts[j]) return new SampledRun(steps, j);
                continue;
            }
            int x = s.Drafts[j];
            TokenDistribution p = s.Sampler.Distribution(row);
            TokenDistribution? q = s.DraftDistributions[j];
            float px = p.Probability(x);
            float qx = q?.Probability(x) ?? 1f;
            if (qx > 0 && s.Sampler.NextUniform() < Math.Min(1.0, px / qx))
            {
                Keep(s, steps, new SampledToken(x, Sampler.LogSoftmaxAt(row, x), p), row);
                continue;
            }
            int y = Residual(s.Sampler, p, q, x);
            SampledToken corrected = y >= 0 && s.Sampler.Allows(y)
                ? new SampledToken(y, Sampler.LogSoftmaxAt(row, y), p)
                : s.Sampler.Sample(row, y >= 0 ? new HashSet<int> { y } : null);
            Keep(s, steps, corrected, row);
            return new SampledRun(steps, j);
        }
        throw new InvalidOperationException("unreachable: the loop returns at the last row");
    }

    private static void Keep(SequenceState s, List<SampledStep> steps, SampledToken token, ReadOnlySpan<float> row)
    {
        KeyValuePair<int, float>[]? top = s.Job.Logprobs is int n && n > 0 && !token.IsEnd ? s.Sampler.Alternatives(row, n) : null;
        steps.Add(new SampledStep(token, top));
        if (!token.IsEnd) s.Sampler.Accept(token.TokenId);
    }

    // A draw from max(0, p - q) renormalised (q null: a point mass on x); -1 if it has no mass (p == q).
    private static int Residual(Sampler sampler, TokenDistribution p, TokenDistribution? q, int x)
    {
        int count = p.Probabilities.Length;
        var residual = new double[count];
        double total = 0;
        for (int i = 0; i < count; i++)
        {
            int id = p.Ids is null ? i : p.Ids[i];
            double qi = q is null ? (id == x ? 1.0 : 0.0) : q.Probability(id);
            residual[i] = Math.Max(0.0, p.Probabilities[i] - qi);
            total += residual[i];
        }
        if (total <= 0) return -1;
        double draw = sampler.NextUniform() * total;
        int last = -1;
        for (int i = 0; i < count; i++)
        {
            if (residual[i] <= 0) continue;
            last = i;
            draw -= residual[i];
            if (draw < 0) break;
        }
        return p.Ids is null ? last : p.Ids[last];
    }
}
