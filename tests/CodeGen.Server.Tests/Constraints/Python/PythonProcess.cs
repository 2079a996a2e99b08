using System.Diagnostics;

namespace CodeGen.Server.Tests.Constraints.Python;

/// <summary>Runs a Python 3 script (Debian's /usr/bin/python3 when present, which test.sh installs) and returns its stdout.</summary>
internal static class PythonProcess
{
    private static string Executable => File.Exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

    public static string Run(string script, string stdin, params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start)
            ?? throw new InvalidOperationException($"could not start {Executable} (run ./test.sh, which installs python3)");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardInput.Write(stdin);
        process.StandardInput.Close();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Executable} exited with {process.ExitCode}: {stderr.Result}");
        }
        return stdout.Result;
    }
}
