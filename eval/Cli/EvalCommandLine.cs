using System.CommandLine;

namespace CodeGen.Eval.Cli;

// The eval executable's command tree.
internal static class EvalCommandLine
{
    public static RootCommand Create() =>
        new("CodeGen evaluation: benchmarks, sandboxed execution and pass@k.")
        {
            RunCommand.Create(),
            ExecCommand.Create(),
            PassAtKCommand.Create(),
        };
}
