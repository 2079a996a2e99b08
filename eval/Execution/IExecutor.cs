namespace CodeGen.Eval.Execution;

// Runs one complete program (prompt + completion + tests) of one language in a sandbox.
internal interface IExecutor
{
    Task<ExecutionResult> ExecuteAsync(string program, TimeSpan timeout, CancellationToken cancellationToken);
}
