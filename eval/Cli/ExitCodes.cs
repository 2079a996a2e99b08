namespace CodeGen.Eval.Cli;

/// <summary>Process exit codes of the eval executable.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>
    /// The command line parsed but a value is out of range; the same code System.CommandLine
    /// returns for parse errors, so every bad command line exits with 1.
    /// </summary>
    public const int InvalidInput = 1;
}
