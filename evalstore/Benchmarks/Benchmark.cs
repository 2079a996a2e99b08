namespace CodeGen.Eval.Benchmarks;

// A loaded benchmark: its problems in data-set order and how to run them.
// Timeout: the per-sample wall-clock limit (3 s as openai/human-eval; MBPP 10 s because task 123's reference
// needs 4-6 s; MBPP+ 180 s because a sample runs the reference and the candidate on up to ~100 inputs and
// tasks 255, 392 and 599 take 17-72 s; C# 5 s as MultiPL-E).
// LargeMemory: MBPP+ inputs build large results (task 255's reference needs over 1 GiB of address space), so
// its samples get 4 GiB of address space and 4.5 GiB of memory instead of 1 GiB and 1.5 GiB (255 holds 2.1 GB resident).
internal sealed record Benchmark(string Name, BenchmarkLanguage Language, TimeSpan Timeout, IReadOnlyList<Problem> Problems, bool LargeMemory = false)
{
    public bool HasCanonicalSolutions => Problems.All(p => p.CanonicalSolution is not null);
}
