namespace CodeGen.Eval.Metrics;

// The unbiased pass@k estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", the
// Codex paper): from n samples of which c pass, the probability that at least one of k samples drawn without
// replacement passes.
internal static class PassAtK
{
    // pass@k = 1 - C(n-c, k) / C(n, k), computed as 1 - prod_{i=n-c+1..n} (1 - k/i), which never forms the
    // binomials (they overflow a double near n = 1030 for k = n/2).
    // n: Samples generated; at least 1.
    // c: Samples that passed; 0 to n.
    // k: Samples the metric draws; 1 to n.
    public static double Estimate(int n, int c, int k)
    {
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, $"n (samples) must be at least 1, got {n}.");
        }

        if (c < 0 || c > n)
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, $"c (correct samples) must be between 0 and n ({n}), got {c}.");
        }

        if (k < 1 || k > n)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be between 1 and n ({n}), got {k}.");
        }

        // Fewer than k failures: every draw of k samples contains a passing one.
        if (n - c < k)
        {
            return 1.0;
        }

        double allFail = 1.0;
        for (int i = n - c + 1; i <= n; i++)
        {
            allFail *= 1.0 - (double)k / i;
        }

        return 1.0 - allFail;
    }

    // The benchmark score: pass@k averaged over problems, each weighted equally.
    public static double Mean(IReadOnlyCollection<SampleCounts> problems, int k)
    {
        ArgumentNullException.ThrowIfNull(problems);
        if (problems.Count == 0)
        {
            throw new ArgumentException("pass@k is undefined over zero problems.", nameof(problems));
        }

        double sum = 0.0;
        foreach (SampleCounts problem in problems)
        {
            sum += Estimate(problem.Samples, problem.Correct, k);
        }

        return sum / problems.Count;
    }
}
