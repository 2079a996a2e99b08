namespace CodeGen.Eval.Sandbox;

// What one sandboxed run did.
// ExitCode: the program's exit status; 128 + signal number when a signal ended it; null when it never ran.
// TimedOut: the wall-clock or CPU limit ended it.
// OutOfMemory: the cgroup memory limit killed something in it.
// Stdout/Stderr: decoded output, cut to SandboxLimits.OutputBytes each (Truncated says whether anything was).
// Error: set when the sandbox itself failed (the program's outcome is then unknown).
internal sealed record SandboxResult(
    int? ExitCode,
    bool TimedOut,
    bool OutOfMemory,
    string Stdout,
    string Stderr,
    bool Truncated,
    TimeSpan Duration,
    string? Error = null);
