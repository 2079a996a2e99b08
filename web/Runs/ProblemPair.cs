namespace CodeGen.Web.Runs;

// One problem in two runs: the fraction of its samples that passed in each (null: not in that run).
public sealed record ProblemPair(string Problem, double? RateA, double? RateB)
{
    // A problem counts as solved in a run when at least half of its samples passed (with one sample: it passed).
    public static bool Solved(double? rate) => rate >= 0.5;

    // Unsolved in A, solved in B.
    public bool Fixed => RateA is not null && RateB is not null && !Solved(RateA) && Solved(RateB);

    // Solved in A, unsolved in B.
    public bool Broken => RateA is not null && RateB is not null && Solved(RateA) && !Solved(RateB);

    public bool Changed => RateA != RateB;
}
