using System.CommandLine;
using CodeGen.Eval.Cli;

namespace CodeGen.Eval.Tests.Cli;

// Runs the eval command line in this process and captures what it prints.
internal static class EvalCli
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        int exitCode = EvalCommandLine.Create().Parse(args).Invoke(configuration);
        return (exitCode, output.ToString(), error.ToString());
    }
}
