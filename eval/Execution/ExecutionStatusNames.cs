namespace CodeGen.Eval.Execution;

// The snake_case names statuses have in the store, the summary and `eval exec`'s output.
internal static class ExecutionStatusNames
{
    public static string ToName(this ExecutionStatus status) => status switch
    {
        ExecutionStatus.Passed => "passed",
        ExecutionStatus.Failed => "failed",
        ExecutionStatus.RuntimeError => "runtime_error",
        ExecutionStatus.CompileError => "compile_error",
        ExecutionStatus.Timeout => "timeout",
        ExecutionStatus.SandboxError => "sandbox_error",
        ExecutionStatus.PromptTooLong => "prompt_too_long",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    public static ExecutionStatus Parse(string name)
    {
        foreach (ExecutionStatus status in Enum.GetValues<ExecutionStatus>())
        {
            if (status.ToName() == name)
            {
                return status;
            }
        }

        throw new FormatException($"Unknown execution status '{name}'.");
    }
}
