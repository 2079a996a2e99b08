namespace CodeGen.Eval.Storage;

/// <summary>One executed sample of a run.</summary>
/// <param name="Problem">The problem's task id.</param>
/// <param name="Index">The sample's index within the problem (0-based).</param>
/// <param name="PromptHash">First 16 hex digits of the SHA-256 of the prompt (tells prompt-format changes apart).</param>
/// <param name="Completion">The completion that was executed.</param>
/// <param name="Status">passed, failed, runtime_error, compile_error, timeout, sandbox_error or prompt_too_long (not run: the prompt with max_tokens did not fit the context; Stderr says by how much).</param>
/// <param name="ExitCode">The program's exit status; null if it never ran or was killed on timeout.</param>
/// <param name="DurationMs">Compile plus run time in milliseconds.</param>
/// <param name="Stdout">Standard output, truncated.</param>
/// <param name="Stderr">Standard error (or compiler diagnostics), truncated.</param>
/// <param name="CompileMs">The in-process compile part of <paramref name="DurationMs"/> (C#); null where nothing was
/// compiled (Python) or the store predates the column.</param>
public sealed record SampleRecord(
    string Problem,
    int Index,
    string PromptHash,
    string Completion,
    string Status,
    int? ExitCode,
    double DurationMs,
    string Stdout,
    string Stderr,
    double? CompileMs = null);
