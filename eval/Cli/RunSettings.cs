using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Cli;

// `eval run`'s parsed command line (see RunCommand for each option's meaning and default).
internal sealed record RunSettings(
    string Benchmark,
    string? Server,
    string? Oracle,
    string? Completions,
    int Samples,
    double Temperature,
    int MaxTokens,
    string? Constrain,
    string? Speculative,
    string? Model,
    string? ApiKey,
    string Sandbox,
    int Parallel,
    string Db,
    string? Name,
    int? Limit,
    double? MinPass,
    MbppPromptStyle MbppStyle,
    string Python,
    double? Timeout,
    string? DockerHost = null,
    string DockerImage = Sandbox.DockerOptions.DefaultImage)
{
    // --problems: task ids, comma-separated (null: every problem).
    public string? Problems { get; init; }

    // --problems-file: a file of task ids, one a line.
    public string? ProblemsFile { get; init; }
}
