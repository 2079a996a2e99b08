using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// --oracle canonical: every sample is the data set's reference solution (must score 100%).
internal sealed class OracleCompletions : ICompletionSource
{
    public string Kind => "oracle";

    public Task<IReadOnlyList<string>> GetAsync(Problem problem, int first, int count, CancellationToken cancellationToken)
    {
        string solution = problem.CanonicalSolution
            ?? throw new InvalidOperationException($"{problem.TaskId} has no reference solution.");
        return Task.FromResult<IReadOnlyList<string>>(Enumerable.Repeat(solution, count).ToList());
    }
}
