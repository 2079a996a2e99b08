namespace CodeGen.Eval.Storage;

/// <summary>One evaluation run as stored.</summary>
/// <param name="Id">The run's row id.</param>
/// <param name="Name">Unique run name (<c>--name</c>).</param>
/// <param name="Benchmark">Benchmark name, such as <c>humaneval</c>.</param>
/// <param name="Model">Model name the server reported or was asked for; null for oracle and file runs.</param>
/// <param name="ServerUrl">The completion server; null for oracle and file runs.</param>
/// <param name="Configuration">The full run configuration as JSON.</param>
/// <param name="GitCommit">The repository commit the harness ran from, when known.</param>
/// <param name="StartedAt">When the run was first started (UTC).</param>
/// <param name="FinishedAt">When it last finished; null while running or interrupted.</param>
/// <param name="PassAtK">pass@k by k (for k = 1, 10, 100 up to the samples per problem); empty until finished.</param>
public sealed record RunSummary(
    long Id,
    string Name,
    string Benchmark,
    string? Model,
    string? ServerUrl,
    string Configuration,
    string? GitCommit,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    IReadOnlyDictionary<int, double> PassAtK);
