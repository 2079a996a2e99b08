namespace CodeGen.Eval.Cli;

// Process exit codes of the eval executable.
internal static class ExitCodes
{
    // The command did what was asked.
    public const int Success = 0;

    // The command line parsed but a value is out of range; the same code System.CommandLine returns for parse
    // errors, so every bad command line exits with 1.
    public const int InvalidInput = 1;
}
