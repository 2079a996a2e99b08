namespace CodeGen.Eval.Execution;

// The outcome of running one sample's program.
internal enum ExecutionStatus
{
    // Exit status 0: every test passed.
    Passed,

    // A test assertion failed (Python AssertionError, C# Debug.Assert).
    Failed,

    // Any other non-zero exit: an exception, a signal, the memory limit.
    RuntimeError,

    // The program did not compile (C#) or parse (Python SyntaxError, IndentationError).
    CompileError,

    // The wall-clock or CPU limit ended it.
    Timeout,

    // The sandbox itself failed; the program's outcome is unknown and it counts as not passed.
    SandboxError,

    // Not run: the prompt with the requested max_tokens does not fit the model's context (the sample's
    // stderr gives the numbers). Counts as not passed.
    PromptTooLong,
}
