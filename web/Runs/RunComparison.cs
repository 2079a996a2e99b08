namespace CodeGen.Web.Runs;

// Two runs side by side: their reports and every problem of either, A's order first.
internal sealed record RunComparison(RunReport A, RunReport B, IReadOnlyList<ProblemPair> Problems)
{
    public IEnumerable<ProblemPair> Fixed => Problems.Where(p => p.Fixed);

    public IEnumerable<ProblemPair> Broken => Problems.Where(p => p.Broken);

    public static RunComparison Build(RunReport a, RunReport b)
    {
        Dictionary<string, double> ratesB = b.Problems.ToDictionary(p => p.Problem, p => p.PassRate, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pairs = new List<ProblemPair>();
        foreach (ProblemRow problem in a.Problems)
        {
            seen.Add(problem.Problem);
            pairs.Add(new ProblemPair(problem.Problem, problem.PassRate, ratesB.TryGetValue(problem.Problem, out double rate) ? rate : null));
        }

        pairs.AddRange(b.Problems.Where(p => !seen.Contains(p.Problem)).Select(p => new ProblemPair(p.Problem, null, p.PassRate)));
        return new RunComparison(a, b, pairs);
    }
}
