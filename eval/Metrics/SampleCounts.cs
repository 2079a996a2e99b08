namespace CodeGen.Eval.Metrics;

/// <summary>How many completions were sampled for one problem and how many of them passed.</summary>
/// <param name="Samples">n: completions generated for the problem.</param>
/// <param name="Correct">c: completions that passed every test.</param>
internal sealed record SampleCounts(int Samples, int Correct);
