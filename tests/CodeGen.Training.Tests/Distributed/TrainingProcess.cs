using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace CodeGen.Training.Tests.Distributed;

/// <summary>
/// The built training CLI (<c>dotnet CodeGen.Training.dll ...</c>) run alone or under <c>mpiexec.mpich -n N</c>, with its
/// output (stdout and stderr, as lines) collected as it comes, so a test can wait for a step and then stop a rank.
/// </summary>
internal sealed partial class TrainingProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private TrainingProcess(ProcessStartInfo start)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Starts the CLI: under mpiexec.mpich when <paramref name="ranks"/> is given, else as one plain process.</summary>
    public static TrainingProcess Start(int? ranks, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        ProcessStartInfo start;
        if (ranks is int n)
        {
            start = new ProcessStartInfo(MpiExec);
            foreach (string argument in new[] { "-n", $"{n}", "dotnet" }) start.ArgumentList.Add(argument);
        }
        else
        {
            start = new ProcessStartInfo("dotnet");
        }
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CodeGen.Training.dll"));
        foreach (string argument in arguments) start.ArgumentList.Add(argument);

        // Hermetic: nothing of an MPI launcher that may have started the test host leaks into the child.
        foreach (string name in start.Environment.Keys.Where(k => LauncherVariable().IsMatch(k)).ToList()) start.Environment.Remove(name);
        start.Environment["CODEGEN_MPI_COLLECTIVE_TIMEOUT"] = "60"; // a broken test fails in a minute rather than the default five
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        return new TrainingProcess(start);
    }

    /// <summary>MPICH's launcher, or a failure that says how to install it.</summary>
    public static string MpiExec => Environment.GetEnvironmentVariable("PATH")!.Split(':')
        .Select(dir => Path.Combine(dir, "mpiexec.mpich")).FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException("mpiexec.mpich not found on PATH: install MPICH (apt-get install mpich; ./test.sh installs it when missing)");

    /// <summary>Everything printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_gate) return string.Join('\n', _lines);
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Whether the process (the launcher, under MPI) has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The first match of <paramref name="pattern"/> in a line, waiting up to <paramref name="timeout"/>; fails the test otherwise.</summary>
    public Match WaitForLine(string pattern, TimeSpan timeout)
    {
        var regex = new Regex(pattern);
        while (true)
        {
            lock (_gate)
            {
                foreach (string line in _lines)
                    if (regex.Match(line) is { Success: true } match) return match;
            }
            if (_process.HasExited || _clock.Elapsed > timeout)
            {
                _process.WaitForExit();
                lock (_gate)
                {
                    foreach (string line in _lines)
                        if (regex.Match(line) is { Success: true } match) return match;
                }
                throw new Xunit.Sdk.XunitException($"no line matching '{pattern}' {(_process.HasExited ? "before the process exited" : $"within {timeout}")}; output:\n{Output}");
            }
            Thread.Sleep(20);
        }
    }

    /// <summary>Waits for the end; fails the test (after killing the process tree) when it has not ended within <paramref name="timeout"/>.</summary>
    public void WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"still running after {timeout}; output:\n{Output}");
        }
        _process.WaitForExit(); // drains the output events
    }

    /// <summary>Sends <paramref name="signal"/> (SIGKILL 9, SIGSTOP 19, ...) to the process with id <paramref name="pid"/>.</summary>
    public static void Signal(int pid, int signal)
    {
        if (kill(pid, signal) != 0) throw new InvalidOperationException($"kill({pid}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate) _lines.Add(line);
    }

    [GeneratedRegex("^(PMI_|PMIX_|OMPI_|HYDRA_|MPI_LOCAL)")]
    private static partial Regex LauncherVariable();

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
