using System.CommandLine;
using System.Globalization;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Cli;

// eval exec FILE: runs one program in the sandbox and prints status, exit code, stdout and stderr.
internal static class ExecCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("file") { Description = "The program: .py (Python) or .cs (C#, compiled in-process)." };
        var language = new Option<string?>("--language") { Description = "python or csharp (default: from the file extension)." };
        language.AcceptOnlyFromAmong("python", "csharp");
        var sandbox = new Option<string>("--sandbox") { Description = "Sandbox backend.", DefaultValueFactory = _ => "bwrap" };
        sandbox.AcceptOnlyFromAmong([.. SandboxFactory.Kinds]);
        var timeout = new Option<double>("--timeout") { Description = "Time limit in seconds.", DefaultValueFactory = _ => 3.0 };
        var python = new Option<string>("--python") { Description = "Python interpreter inside the sandbox.", DefaultValueFactory = _ => PythonExecutor.DefaultInterpreter };
        Option<string?> dockerHost = SandboxFactory.DockerHostOption();
        Option<string> dockerImage = SandboxFactory.DockerImageOption();

        var command = new Command("exec", "Run one program file in the sandbox and print status, exit code, stdout and stderr.")
        {
            file, language, sandbox, timeout, python, dockerHost, dockerImage,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            FileInfo path = parseResult.GetValue(file)!;
            if (!path.Exists)
            {
                await io.Error.WriteLineAsync($"error: {path.FullName} does not exist.").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            if (SandboxFactory.ValidateDockerHost(parseResult.GetValue(dockerHost)) is { } badHost)
            {
                await io.Error.WriteLineAsync($"error: {badHost}").ConfigureAwait(false);
                return ExitCodes.InvalidInput;
            }

            string lang = parseResult.GetValue(language) ?? (path.Extension == ".cs" ? "csharp" : "python");
            ISandbox box;
            try
            {
                box = await SandboxFactory.CreateAsync(parseResult.GetValue(sandbox)!, 1, parseResult.GetValue(dockerHost), parseResult.GetValue(dockerImage)!, cancellationToken).ConfigureAwait(false);
            }
            catch (SandboxUnavailableException ex)
            {
                await io.Error.WriteLineAsync($"error: no working sandbox, refusing to run the program: {ex.Message}").ConfigureAwait(false);
                return ExitCodes.NoSandbox;
            }

            using (box)
            {
                IExecutor executor = lang == "csharp" ? new CSharpExecutor(box, new CSharpCompiler()) : new PythonExecutor(box, parseResult.GetValue(python)!);
                string program = await File.ReadAllTextAsync(path.FullName, cancellationToken).ConfigureAwait(false);
                ExecutionResult result = await executor.ExecuteAsync(program, TimeSpan.FromSeconds(parseResult.GetValue(timeout)), cancellationToken).ConfigureAwait(false);
                io.Output.WriteLine($"status: {result.Status.ToName()}");
                io.Output.WriteLine($"exit code: {result.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}");
                io.Output.WriteLine($"duration: {result.Duration.TotalMilliseconds.ToString("0", CultureInfo.InvariantCulture)} ms");
                io.Output.WriteLine("stdout:");
                io.Output.Write(result.Stdout);
                io.Output.WriteLine(result.Stdout.Length == 0 || result.Stdout.EndsWith('\n') ? "stderr:" : "\nstderr:");
                io.Output.Write(result.Stderr);
                return result.Status == ExecutionStatus.Passed ? ExitCodes.Success : 1;
            }
        });
        return command;
    }
}
