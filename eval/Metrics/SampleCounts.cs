namespace CodeGen.Eval.Metrics;

// How many completions were sampled for one problem and how many of them passed.
// Samples (n): completions generated for the problem.
// Correct (c): completions that passed every test.
internal sealed record SampleCounts(int Samples, int Correct);
