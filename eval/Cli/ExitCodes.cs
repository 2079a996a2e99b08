namespace CodeGen.Eval.Cli;

// Process exit codes of the eval executable.
internal static class ExitCodes
{
    // The command did what was asked.
    public const int Success = 0;

    // The command line parsed but a value is out of range; the same code System.CommandLine returns for parse
    // errors, so every bad command line exits with 1.
    public const int InvalidInput = 1;

    // `eval run --min-pass X`: pass@1 came out below X (the CI gate).
    public const int BelowMinPass = 1;

    // No sandbox works here, so no generated code was run.
    public const int NoSandbox = 2;

    // The run could not finish (the server failed, a data or completions file is malformed).
    public const int RunFailed = 3;
}
