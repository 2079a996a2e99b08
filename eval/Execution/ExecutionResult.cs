namespace CodeGen.Eval.Execution;

// One sample's outcome. ExitCode is null when the program never ran or was killed on timeout; Stdout and
// Stderr are cut to the sandbox's output limit (for a compile error, Stderr holds the diagnostics).
internal sealed record ExecutionResult(
    ExecutionStatus Status,
    int? ExitCode,
    TimeSpan Duration,
    string Stdout,
    string Stderr);
