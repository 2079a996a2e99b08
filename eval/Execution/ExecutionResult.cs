namespace CodeGen.Eval.Execution;

// One sample's outcome. ExitCode is null when the program never ran or was killed on timeout; Stdout and
// Stderr are cut to the sandbox's output limit (for a compile error, Stderr holds the diagnostics). Duration is
// compile plus run time; CompileDuration its in-process compile part (C#), null where nothing was compiled.
internal sealed record ExecutionResult(
    ExecutionStatus Status,
    int? ExitCode,
    TimeSpan Duration,
    string Stdout,
    string Stderr,
    TimeSpan? CompileDuration = null);
