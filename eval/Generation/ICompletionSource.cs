using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// Where completions come from: a server, a file made elsewhere, or the data set's own solutions.
internal interface ICompletionSource
{
    // "server", "completions-file" or "oracle", for the run's configuration.
    string Kind { get; }

    // Completions first..first+count-1 of the problem's samples.
    Task<IReadOnlyList<string>> GetAsync(Problem problem, int first, int count, CancellationToken cancellationToken);
}
