using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace CodeGen.Eval.Sandbox;

// Runs each program under bubblewrap: new user, pid, network (none), ipc, uts and cgroup namespaces; /usr
// read-only and nothing else of the host; the files read-only at /src; a private tmpfs at /work (the current
// directory) and /tmp; no environment from the host. Outside the namespaces: a distinct unprivileged uid per
// slot (the process limit counts per uid), rlimits (CPU, address space, processes, file size, open files, no
// core dumps), the slot's memory and pids cgroups, and a wall-clock kill of the whole process group and cgroup.
//
// The launch chain is: sh (joins the slot's cgroups and sets the rlimits with its ulimit builtin) -> setpriv
// (drops to the slot uid; only as root) -> bwrap -> the command, each exec'd in place of the one before, so the
// process this class starts is, by the time the command runs, bwrap's outer process. Everything before bwrap is
// ours. (No setsid: bwrap's --new-session puts the command in its own session, --die-with-parent and the pid
// namespace take the inside down with the outer process, and the slot's cgroup catches the rest.)
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class BubblewrapSandbox : ISandbox
{
    // Exit status the launch script uses when it cannot join a cgroup or set a limit.
    private const int LaunchFailure = 125;

    private static readonly string[] LaunchErrorPrefixes = ["bwrap:", "setpriv:", "sandbox:"];

    private readonly BubblewrapOptions _options;
    private readonly ConcurrentBag<Slot> _free = [];
    private readonly SemaphoreSlim _available;
    private readonly Slot[] _slots;
    private readonly string _root;
    private readonly bool _asRoot;
    private readonly Timer _reaper;
    private static int s_instances;
    private long _runs;

    private BubblewrapSandbox(BubblewrapOptions options)
    {
        _options = options;
        _asRoot = Environment.UserName == "root" || GetEuid() == 0;
        _root = Directory.CreateTempSubdirectory("codegen-eval-").FullName;
        File.SetUnixFileMode(_root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        _slots = new Slot[options.Slots];
        int instance = Interlocked.Increment(ref s_instances);
        for (int i = 0; i < options.Slots; i++)
        {
            CgroupSlot? cgroup = options.UseCgroups && _asRoot ? CgroupSlot.TryCreate($"codegen-eval-{Environment.ProcessId}-{instance}-{i}") : null;
            _slots[i] = new Slot(i, options.FirstUid + i, cgroup);
            _free.Add(_slots[i]);
        }

        _available = new SemaphoreSlim(options.Slots, options.Slots);
        ChildReaper.EnsureSubreaper();
        _reaper = new Timer(_ => ChildReaper.ReapOrphans(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public string Name => "bwrap";

    // Whether the slots have memory and pids cgroups (otherwise rlimits alone limit them).
    public bool HasCgroups => _slots[0].Cgroup is not null;

    // What isolation is in force, for the run's configuration record.
    public string Description =>
        $"bwrap {(_asRoot ? $"uids {_options.FirstUid}-{_options.FirstUid + _options.Slots - 1}" : "as the current user (not root: one uid for all slots)")}, " +
        $"cgroups {(_slots[0].Cgroup is { } c ? c.Version : "unavailable (rlimits only)")}";

    // Creates the sandbox and proves it works by running /usr/bin/true in it; throws
    // SandboxUnavailableException, naming what is missing, when it does not.
    public static async Task<BubblewrapSandbox> CreateAsync(BubblewrapOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Slots, 1);
        if (!OperatingSystem.IsLinux())
        {
            throw new SandboxUnavailableException("bubblewrap needs Linux.");
        }

        if (!File.Exists(options.BwrapPath))
        {
            throw new SandboxUnavailableException(
                $"bubblewrap not found at {options.BwrapPath}: install it (apt-get install bubblewrap) or pick another sandbox.");
        }

        var sandbox = new BubblewrapSandbox(options);
        try
        {
            await SandboxProbe.EnsureRunsAsync(sandbox, TimeSpan.FromSeconds(10), "bubblewrap cannot start a sandbox here", cancellationToken).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            sandbox.Dispose();
            throw;
        }
    }

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        _free.TryTake(out Slot? slot);
        try
        {
            return await RunInSlotAsync(slot!, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _free.Add(slot!);
            _available.Release();
        }
    }

    public void Dispose()
    {
        _reaper.Dispose();
        foreach (Slot slot in _slots)
        {
            slot.Cgroup?.Dispose();
        }

        ChildReaper.ReapOrphans();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp; holds only copies of programs.
        }

        _available.Dispose();
    }

    private async Task<SandboxResult> RunInSlotAsync(Slot slot, SandboxRequest request, CancellationToken cancellationToken)
    {
        SandboxLimits limits = request.Limits;
        string source = Path.Combine(_root, Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture));
        try
        {
            await SandboxFile.WriteAllAsync(source, request.Files, cancellationToken).ConfigureAwait(false);

            try
            {
                slot.Cgroup?.Configure(limits.MemoryBytes, limits.Processes);
            }
            catch (IOException ex)
            {
                return Failed($"cannot set the slot's cgroup limits: {ex.Message}");
            }

            long oomBefore = slot.Cgroup?.OomKills() ?? 0;
            SandboxResult result = await LaunchAsync(slot, source, request, cancellationToken).ConfigureAwait(false);
            bool oom = slot.Cgroup is { } cgroup && cgroup.OomKills() > oomBefore;
            if (slot.Cgroup is { } left && !left.KillAll())
            {
                return Failed("processes of a finished run could not be killed");
            }

            ChildReaper.ReapOrphans();
            return oom ? result with { OutOfMemory = true } : result;
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }

    private async Task<SandboxResult> LaunchAsync(Slot slot, string source, SandboxRequest request, CancellationToken cancellationToken)
    {
        SandboxLimits limits = request.Limits;
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _root,
        };
        startInfo.Environment.Clear();
        startInfo.Environment["PATH"] = "/usr/bin:/bin";
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(LaunchScript(slot, request.Limits));
        startInfo.ArgumentList.Add("sh");
        foreach (string argument in CommandLine(slot, source, request))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var stopwatch = Stopwatch.StartNew();
        Process process;
        try
        {
            process = ChildReaper.Start(startInfo);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return Failed($"cannot start /bin/sh: {ex.Message}");
        }

        using (process)
        {
            try
            {
                process.StandardInput.Close();
                var stdout = new CappedReader(process.StandardOutput.BaseStream, limits.OutputBytes);
                var stderr = new CappedReader(process.StandardError.BaseStream, limits.OutputBytes);
                Task reading = Task.WhenAll(stdout.ReadAsync(), stderr.ReadAsync());

                bool timedOut = false;
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    timeout.CancelAfter(limits.Timeout);
                    try
                    {
                        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        timedOut = !cancellationToken.IsCancellationRequested;
                        KillEverything(process, slot);
                        await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                        cancellationToken.ThrowIfCancellationRequested();
                    }
                }

                TimeSpan duration = stopwatch.Elapsed;

                // The sandbox's pid namespace dies with its pid 1, so the pipes close promptly; anything still
                // holding them after a second is killed.
                if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None)).ConfigureAwait(false) != reading)
                {
                    KillEverything(process, slot);
                    await reading.ConfigureAwait(false);
                }

                int exitCode = process.ExitCode;
                string err = stderr.Text;
                bool cpuLimit = exitCode == 128 + 24; // SIGXCPU: RLIMIT_CPU ran out.
                if (!timedOut && IsLaunchFailure(exitCode, err))
                {
                    return Failed($"sandbox launch failed (exit {exitCode}): {err.Trim()}");
                }

                return new SandboxResult(
                    timedOut ? null : exitCode,
                    timedOut || cpuLimit,
                    false,
                    stdout.Text,
                    err,
                    stdout.Truncated || stderr.Truncated,
                    duration);
            }
            finally
            {
                ChildReaper.Forget(process.Id);
            }
        }
    }

    // Kills the started process (by then bwrap's outer process: the only process of the chain outside the
    // namespaces), then the cgroup (everything inside); bwrap's --die-with-parent and the pid namespace take the
    // rest down.
    private static void KillEverything(Process process, Slot slot)
    {
        NativeMethods.Kill(process.Id, NativeMethods.SigKill);
        slot.Cgroup?.KillAll();
    }

    private static bool IsLaunchFailure(int exitCode, string stderr)
    {
        if (exitCode == LaunchFailure)
        {
            return true;
        }

        if (exitCode is 1 or 126 or 127)
        {
            string first = stderr.TrimStart();
            return LaunchErrorPrefixes.Any(p => first.StartsWith(p, StringComparison.Ordinal));
        }

        return false;
    }

    // Joins the slot's cgroups, sets the rlimits (dash's ulimit sets soft and hard limits; -f and -c count 512-byte
    // blocks, -v KiB), then execs the rest of its arguments. Any failure exits with LaunchFailure before anything
    // of the request runs.
    private static string LaunchScript(Slot slot, SandboxLimits limits)
    {
        var script = new StringBuilder();
        foreach (string procs in slot.Cgroup?.ProcsFiles ?? [])
        {
            script.Append(CultureInfo.InvariantCulture, $"echo $$ > '{procs}' || {{ echo 'sandbox: cannot join cgroup {procs}' >&2; exit {LaunchFailure}; }}\n");
        }

        // The CPU soft limit, then the hard limit a second later (a hard limit below the soft one is refused):
        // SIGXCPU before SIGKILL.
        script.Append(CultureInfo.InvariantCulture, $"ulimit -S -t {limits.CpuSeconds} || {{ echo 'sandbox: cannot set ulimit -S -t' >&2; exit {LaunchFailure}; }}\n");
        script.Append(CultureInfo.InvariantCulture, $"ulimit -H -t {limits.CpuHardSeconds} || {{ echo 'sandbox: cannot set ulimit -H -t' >&2; exit {LaunchFailure}; }}\n");
        (char Flag, long Value)[] rlimits =
        [
            ('v', limits.AddressSpaceBytes / 1024),
            ('p', limits.Processes),
            ('f', limits.FileSizeBytes / 512),
            ('n', limits.OpenFiles),
            ('c', 0),
        ];
        foreach ((char flag, long value) in rlimits)
        {
            script.Append(CultureInfo.InvariantCulture, $"ulimit -{flag} {value} || {{ echo 'sandbox: cannot set ulimit -{flag} {value}' >&2; exit {LaunchFailure}; }}\n");
        }

        script.Append("exec \"$@\"\n");
        return script.ToString();
    }

    private List<string> CommandLine(Slot slot, string source, SandboxRequest request)
    {
        var args = new List<string>();
        if (_asRoot)
        {
            args.AddRange(["/usr/bin/setpriv", $"--reuid={slot.Uid}", $"--regid={slot.Uid}", "--clear-groups", "--inh-caps=-all"]);
        }

        args.AddRange([
            _options.BwrapPath,
            "--unshare-all",
            "--die-with-parent",
            "--new-session",
            "--cap-drop", "ALL",
            "--hostname", "sandbox",
            "--uid", "1000",
            "--gid", "1000",
            "--ro-bind", "/usr", "/usr",
        ]);
        foreach (string top in (string[])["bin", "sbin", "lib", "lib32", "lib64", "libx32"])
        {
            var info = new DirectoryInfo("/" + top);
            if (info.LinkTarget is { } target)
            {
                args.AddRange(["--symlink", target, "/" + top]);
            }
            else if (info.Exists)
            {
                args.AddRange(["--ro-bind", "/" + top, "/" + top]);
            }
        }

        foreach (string path in _options.ReadOnlyPaths)
        {
            args.AddRange(["--ro-bind", path, path]);
        }

        args.AddRange([
            "--proc", "/proc",
            "--dev", "/dev",
            "--tmpfs", "/tmp",
            "--tmpfs", "/work",
            "--ro-bind", source, "/src",
            "--remount-ro", "/",
            "--chdir", "/work",
            "--clearenv",
            "--setenv", "PATH", "/usr/bin:/bin",
            "--setenv", "HOME", "/work",
            "--setenv", "TMPDIR", "/tmp",
            "--setenv", "LANG", "C.UTF-8",
        ]);
        foreach ((string name, string value) in request.Environment ?? new Dictionary<string, string>())
        {
            args.AddRange(["--setenv", name, value]);
        }

        args.Add("--");
        args.AddRange(request.Command);
        return args;
    }

    private static SandboxResult Failed(string error) => new(null, false, false, "", "", false, TimeSpan.Zero, error);

    private static uint GetEuid()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("Uid:", StringComparison.Ordinal))
            {
                string[] ids = line[4..].Split('\t', StringSplitOptions.RemoveEmptyEntries);
                return uint.Parse(ids[1], CultureInfo.InvariantCulture);
            }
        }

        return uint.MaxValue;
    }

    private sealed record Slot(int Index, int Uid, CgroupSlot? Cgroup);
}
