using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Execution;

// python3 -I -S /src/main.py in the sandbox. Isolated mode (-I: no PYTHON* variables, no user site, no script
// directory on sys.path) and no site module (-S: no site-packages, no .pth files): only the standard library,
// and start-up in ~16 ms with Debian's /usr/bin/python3 instead of ~77 ms for a pyenv build whose .pth imports
// certifi.
// limits: the sandbox limits besides the timeout (default: SandboxLimits' defaults).
internal sealed class PythonExecutor(ISandbox sandbox, string interpreter = PythonExecutor.DefaultInterpreter, SandboxLimits? limits = null) : IExecutor
{
    // Debian's interpreter (package python3), inside /usr so the sandbox sees it.
    public const string DefaultInterpreter = "/usr/bin/python3";

    // Exit status the MBPP+ harness uses when one input ran past its own time limit.
    public const int InputTimeoutExitCode = MbppPlusProblem.InputTimeoutExitCode;

    public async Task<ExecutionResult> ExecuteAsync(string program, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new SandboxRequest(
            [SandboxFile.FromText("main.py", program)],
            [interpreter, "-I", "-S", "/src/main.py"],
            (limits ?? new SandboxLimits()) with { Timeout = timeout },
            new Dictionary<string, string> { ["PYTHONDONTWRITEBYTECODE"] = "1", ["PYTHONHASHSEED"] = "0" });
        SandboxResult result = await sandbox.RunAsync(request, cancellationToken).ConfigureAwait(false);
        return new ExecutionResult(Classify(result), result.ExitCode, result.Duration, result.Stdout, Describe(result));
    }

    public static ExecutionStatus Classify(SandboxResult result)
    {
        if (result.Error is not null)
        {
            return ExecutionStatus.SandboxError;
        }

        if (result.TimedOut || result.ExitCode == InputTimeoutExitCode && result.Stderr.Contains("codegen-eval: input timed out", StringComparison.Ordinal))
        {
            return ExecutionStatus.Timeout;
        }

        if (result.ExitCode == 0)
        {
            return ExecutionStatus.Passed;
        }

        // The exception's type starts the last line of a traceback.
        string last = result.Stderr.TrimEnd().Split('\n')[^1];
        if (last.StartsWith("AssertionError", StringComparison.Ordinal))
        {
            return ExecutionStatus.Failed;
        }

        return last.StartsWith("SyntaxError", StringComparison.Ordinal) || last.StartsWith("IndentationError", StringComparison.Ordinal)
            || last.StartsWith("TabError", StringComparison.Ordinal)
            ? ExecutionStatus.CompileError
            : ExecutionStatus.RuntimeError;
    }

    // Stderr, with what the sandbox knows appended (the program cannot say it was killed).
    internal static string Describe(SandboxResult result)
    {
        string note = result.Error is { } error ? $"[sandbox error: {error}]"
            : result.TimedOut ? "[killed: time limit]"
            : result.OutOfMemory ? "[killed: memory limit]"
            : result.Truncated ? "[output truncated]"
            : "";
        return note.Length == 0 ? result.Stderr : result.Stderr + (result.Stderr.Length == 0 || result.Stderr.EndsWith('\n') ? "" : "\n") + note;
    }
}
