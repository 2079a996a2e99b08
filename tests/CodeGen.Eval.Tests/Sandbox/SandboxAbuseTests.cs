using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// The abuse tests of the issue, shared by every sandbox backend (BubblewrapSandboxTests, DockerSandboxTests):
// each abuse is written so that it can only pass if it escaped the sandbox; contained, it ends as failed or
// timeout, the host is checked afterwards (no file written, nothing of the run left behind), and the sandbox
// still runs the next program.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public abstract class SandboxAbuseTests
{
    protected static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    // Wall clock of the memory bomb: far more than it needs, so that only its memory limit can stop it.
    private static readonly TimeSpan MemoryBombTimeout = TimeSpan.FromSeconds(30);

    internal abstract ISandbox Sandbox { get; }

    // sorted(os.listdir("/")) inside the sandbox, as Python prints it.
    protected abstract string ExpectedRootListing { get; }

    // Host paths that exist here but must not exist inside the sandbox, besides the repo and a file in /root.
    protected abstract IReadOnlyList<string> HostOnlyPaths { get; }

    // Processes (or containers) of finished runs still alive on the host, after giving exiting ones time to go.
    protected abstract Task<List<string>> LeftoversAsync();

    private PythonExecutor Python => new(Sandbox);

    [Fact]
    public async Task RunAsync_Network_ConnectionToHostListenerFails()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;

        ExecutionResult result = await RunAsync($$"""
            import socket
            def reachable(host, port):
                try:
                    socket.create_connection((host, port), timeout=1).close()
                    return True
                except OSError:
                    return False
            print(sorted(line.split(":")[0].strip() for line in open("/proc/net/dev").readlines()[2:]))
            assert reachable("127.0.0.1", {{port}}) or reachable("8.8.8.8", 53), "no network"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains("no network", result.Stderr, StringComparison.Ordinal);
        Assert.Equal("['lo']\n", result.Stdout);
        Assert.False(listener.Pending());
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_ReadRepoAndRoot_NotVisible()
    {
        string repoFile = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "CodeGen.Eval.dll"));
        string rootSecret = Path.Combine("/root", $".codegen-eval-secret-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(rootSecret, "host secret");
        try
        {
            string paths = string.Join(", ", new[] { repoFile, rootSecret }.Concat(HostOnlyPaths).Select(p => $"\"{p}\""));
            ExecutionResult result = await RunAsync($$"""
                import os
                seen = [p for p in [{{paths}}] if os.path.exists(p)]
                print(sorted(os.listdir("/")))
                assert seen, "nothing visible"
                """);

            Assert.Equal(ExecutionStatus.Failed, result.Status);
            Assert.Contains("nothing visible", result.Stderr, StringComparison.Ordinal);
            Assert.Equal(ExpectedRootListing, result.Stdout);
        }
        finally
        {
            File.Delete(rootSecret);
        }

        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_WriteOutsideWorkDir_FailsAndHostUntouched()
    {
        string marker = $"codegen-eval-escape-{Guid.NewGuid():N}";
        string[] outside = ["/usr", "/src", "/usr/lib", "/", "/etc", "/var/tmp", "/home", "/root"];
        ExecutionResult result = await RunAsync($$"""
            import os
            wrote = []
            for d in [{{string.Join(", ", outside.Select(d => $"\"{d}\""))}}]:
                try:
                    open(os.path.join(d, "{{marker}}"), "w").write("x")
                    wrote.append(d)
                except OSError:
                    pass
            open("/work/ok.txt", "w").write("inside the work dir is fine")
            open("/tmp/ok.txt", "w").write("and in /tmp")
            assert wrote, "no write outside /work and /tmp"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains("no write outside /work and /tmp", result.Stderr, StringComparison.Ordinal);
        Assert.All(outside.Where(d => d != "/src"), d => Assert.False(File.Exists(Path.Combine(d, marker)), $"{d}/{marker} exists on the host"));
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_ForkBomb_StoppedByProcessLimitAndCleanedUp()
    {
        ExecutionResult result = await RunAsync("""
            import os, time
            children = 0
            try:
                while True:
                    if os.fork() == 0:
                        time.sleep(60)
                        os._exit(0)
                    children += 1
            except OSError:
                pass
            print(children)
            assert children > 1000, "fork bomb stopped"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        int children = int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture);
        Assert.InRange(children, 1, 63);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    // Only the memory limit may stop the bomb, never the clock: its blocks are bytes(n), which CPython takes from
    // calloc, so the address space grows without first touching 1 GiB of pages (seconds on a new or loaded
    // machine), and the run gets a 30 s wall clock. A Timeout here means the memory limit did not stop it.
    [Fact]
    public async Task RunAsync_MemoryBomb_GetsMemoryError()
    {
        ExecutionResult result = await Python.ExecuteAsync("""
            blocks = []
            try:
                for _ in range(4096):
                    blocks.append(bytes(16 << 20))
                grew = True
            except MemoryError:
                grew = False
            print(len(blocks))
            assert grew, "memory bomb stopped"
            """, MemoryBombTimeout, CancellationToken.None);

        AssertMemoryBombContained(result);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    // RLIMIT_CPU: soft = timeout + 1 s (3 s here), hard a second later, so a busy program gets SIGXCPU first.
    [Fact]
    public async Task RunAsync_CpuLimit_SoftBeforeHard()
    {
        ExecutionResult result = await RunAsync("import resource\nprint(resource.getrlimit(resource.RLIMIT_CPU))\n");

        Assert.Equal(ExecutionStatus.Passed, result.Status);
        Assert.Equal("(3, 4)\n", result.Stdout);
    }

    // Past the soft CPU limit (lowered by the program itself, so it comes before the wall clock) the kernel sends
    // SIGXCPU: reported as a timeout, not a crash.
    [Fact]
    public async Task RunAsync_CpuSoftLimitReached_ReportedAsTimeout()
    {
        // A 10 s wall clock, so that 1 s of CPU comes first even on a busy machine.
        ExecutionResult result = await Python.ExecuteAsync("""
            import resource
            resource.setrlimit(resource.RLIMIT_CPU, (1, resource.getrlimit(resource.RLIMIT_CPU)[1]))
            while True:
                pass
            """, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Equal(128 + 24, result.ExitCode);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_InfiniteLoop_TimesOutOnTime()
    {
        ExecutionResult result = await RunAsync("while True:\n    pass\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Null(result.ExitCode);
        // Timers fire up to a scheduler tick early, so allow 50 ms below the limit; above it, killing and reaping the
        // sandbox on a loaded machine can take seconds. The exit code (none, not 152 for SIGXCPU) says that the
        // wall clock, not the CPU limit, stopped it.
        Assert.InRange(result.Duration, Timeout - TimeSpan.FromMilliseconds(50), Timeout + TimeSpan.FromSeconds(8));
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_SleepPastTimeout_TimesOut()
    {
        ExecutionResult result = await RunAsync("import time\ntime.sleep(30)\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Contains("[killed: time limit]", result.Stderr, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_StdoutFlood_DrainedAndCut()
    {
        ExecutionResult result = await RunAsync("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Equal(new SandboxLimits().OutputBytes, result.Stdout.Length);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_KillParent_ParentSurvives()
    {
        ExecutionResult result = await RunAsync("""
            import os, signal
            parent = os.getppid()
            for sig in (signal.SIGKILL, signal.SIGTERM):
                try:
                    os.kill(parent, sig)
                except OSError:
                    pass
            import time; time.sleep(0.2)
            assert not os.path.exists("/proc/%d" % parent), "parent survived"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains("parent survived", result.Stderr, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_BackgroundProcessLeftBehind_KilledWithTheSample()
    {
        ExecutionResult result = await RunAsync("""
            import subprocess
            p = subprocess.Popen(["/usr/bin/sleep", "30"], start_new_session=True)
            print(p.pid)
            assert False, "left a background process"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_HugeFile_StoppedAtFileSizeLimit()
    {
        ExecutionResult result = await RunAsync("""
            import os
            try:
                with open("/work/huge", "wb") as f:
                    for _ in range(64):
                        f.write(b"x" * (1 << 20))
                complete = True
            except OSError:
                complete = False
            print(os.path.getsize("/work/huge"))
            assert complete, "file size limit"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal((16 << 20).ToString(CultureInfo.InvariantCulture) + "\n", result.Stdout);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    // The memory bomb above ran out of memory: RLIMIT_AS (1 GiB, below the sandbox's 1.5 GiB memory limit) stops
    // it first, so it caught MemoryError after 1 to 64 blocks of 16 MiB and failed its assertion.
    private static void AssertMemoryBombContained(ExecutionResult result)
    {
        Assert.True(result.Status == ExecutionStatus.Failed, $"memory bomb ended {result.Status}, not Failed (MemoryError): {result.Stderr}");
        Assert.Contains("memory bomb stopped", result.Stderr, StringComparison.Ordinal);
        Assert.InRange(int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture), 1, 64);
    }

    private protected Task<ExecutionResult> RunAsync(string program) => Python.ExecuteAsync(program, Timeout, CancellationToken.None);

    // Nothing of the run is left on the host, and the sandbox runs the next program: the run goes on.
    private protected async Task AssertHostCleanAndSandboxRunsAsync()
    {
        Assert.Empty(await LeftoversAsync());
        SandboxResult next = await Sandbox.RunAsync(
            new SandboxRequest([], [PythonExecutor.DefaultInterpreter, "-c", "print('next')"], new SandboxLimits { Timeout = TimeSpan.FromSeconds(10) }),
            CancellationToken.None);
        Assert.Equal((0, "next\n", (string?)null), (next.ExitCode, next.Stdout, next.Error));
    }

    // Host processes whose real uid is in [first, first + count), polled for up to 2 s (exiting ones need a moment
    // to be reaped); `reap` runs before each scan.
    protected static async Task<List<string>> ProcessesOfUidsAsync(int first, int count, Action reap)
    {
        List<string> found = [];
        for (int attempt = 0; attempt < 40; attempt++)
        {
            reap();
            found = ScanUids(first, count);
            if (found.Count == 0)
            {
                break;
            }

            await Task.Delay(50);
        }

        return found;
    }

    private static List<string> ScanUids(int first, int count)
    {
        var found = new List<string>();
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
            {
                continue;
            }

            try
            {
                string status = File.ReadAllText(Path.Combine(dir, "status"));
                string uidLine = status.Split('\n').First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                int uid = int.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                string state = status.Split('\n').First(l => l.StartsWith("State:", StringComparison.Ordinal));
                if (uid >= first && uid < first + count)
                {
                    found.Add($"{Path.GetFileName(dir)} {state}");
                }
            }
            catch (IOException)
            {
                continue;
            }
        }

        return found;
    }
}
