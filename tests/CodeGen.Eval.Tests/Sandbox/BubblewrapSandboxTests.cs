using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// The abuse tests of the issue: each abuse is written so that it can only pass if it escaped the sandbox;
// contained, it ends as failed or timeout, and the host is checked afterwards.
[Collection(SandboxCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BubblewrapSandboxTests(SandboxFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    private PythonExecutor Python => new(fixture.Sandbox);

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
            assert reachable("127.0.0.1", {{port}}) or reachable("8.8.8.8", 53), "no network"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Contains("no network", result.Stderr, StringComparison.Ordinal);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task RunAsync_ReadRepoAndRoot_NotVisible()
    {
        string repoFile = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "CodeGen.Eval.dll"));
        ExecutionResult result = await RunAsync($$"""
            import os
            seen = [p for p in ["{{repoFile}}", "/root", "/etc/passwd", "/home", "/work/main"] if os.path.exists(p)]
            print(sorted(os.listdir("/")))
            assert seen, "nothing visible"
            """);

        Assert.Equal(ExecutionStatus.Failed, result.Status);
        Assert.Equal("['bin', 'dev', 'lib', 'lib64', 'proc', 'sbin', 'src', 'tmp', 'usr', 'work']\n", result.Stdout);
    }

    [Fact]
    public async Task RunAsync_WriteOutsideWorkDir_FailsAndHostUntouched()
    {
        string marker = $"codegen-eval-escape-{Guid.NewGuid():N}";
        ExecutionResult result = await RunAsync($$"""
            import os
            wrote = []
            for d in ["/usr", "/src", "/usr/lib", "/"]:
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
        Assert.False(File.Exists(Path.Combine("/usr", marker)));
        Assert.False(File.Exists(Path.Combine("/", marker)));
        Assert.False(File.Exists(Path.Combine("/usr/lib", marker)));
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
        Assert.Empty(ProcessesOfSlotUids());
    }

    // Two limits can stop it: the memory cgroup (512 MiB of RAM) kills it once the touched pages pass that, and
    // where there is no cgroup the 1 GiB address space makes the allocation fail with MemoryError.
    [Fact]
    public async Task RunAsync_MemoryBomb_StoppedByMemoryLimit()
    {
        ExecutionResult result = await RunAsync("""
            blocks = []
            try:
                for _ in range(4096):
                    blocks.append(bytearray(16 << 20))
                grew = True
            except MemoryError:
                grew = False
            print(len(blocks))
            assert grew, "memory bomb stopped"
            """);

        if (fixture.Sandbox.HasCgroups)
        {
            Assert.Equal(ExecutionStatus.RuntimeError, result.Status);
            Assert.EndsWith("[killed: memory limit]", result.Stderr, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(ExecutionStatus.Failed, result.Status);
            Assert.InRange(int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture), 1, 64);
        }
    }

    [Fact]
    public async Task RunAsync_InfiniteLoop_TimesOutOnTime()
    {
        ExecutionResult result = await RunAsync("while True:\n    pass\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Null(result.ExitCode);
        // Timers fire up to a scheduler tick early, so allow 50 ms below the limit.
        Assert.InRange(result.Duration, Timeout - TimeSpan.FromMilliseconds(50), Timeout + TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task RunAsync_SleepPastTimeout_TimesOut()
    {
        ExecutionResult result = await RunAsync("import time\ntime.sleep(30)\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Contains("[killed: time limit]", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_StdoutFlood_DrainedAndCut()
    {
        ExecutionResult result = await RunAsync("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n");

        Assert.Equal(ExecutionStatus.Timeout, result.Status);
        Assert.Equal(new SandboxLimits().OutputBytes, result.Stdout.Length);
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
        Assert.Empty(ProcessesOfSlotUids());
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
    }

    [Fact]
    public async Task RunAsync_ManyFastRuns_ZombiesReapedAndProcessLimitNeverExhausted()
    {
        var request = new SandboxRequest([], ["/usr/bin/true"], new SandboxLimits { Processes = 16 });
        for (int i = 0; i < 80; i++)
        {
            SandboxResult result = await fixture.Sandbox.RunAsync(request, CancellationToken.None);
            Assert.True(result.Error is null && result.ExitCode == 0, $"run {i}: exit {result.ExitCode}, error {result.Error}, stderr {result.Stderr}");
        }

        ChildReaper.ReapOrphans();
        Assert.Equal(0, ChildReaper.CountBwrapZombies());
    }

    // As root with a writable cgroup v1 memory hierarchy (this project's development machine), the slots must get
    // their cgroups: their first limit used to fail there (memsw written before memory), silently leaving rlimits
    // alone. (Elsewhere this asserts nothing: v2 hosts and unprivileged runs are not covered by it.)
    [Fact]
    public void CreateAsync_AsRootWithWritableV1MemoryCgroup_SlotsHaveCgroups()
    {
        string? memory = File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).Where(p => p.Length == 3 && p[1].Split(',').Contains("memory"))
            .Select(p => "/sys/fs/cgroup/memory" + p[2]).FirstOrDefault();
        bool writable = Environment.UserName == "root" && memory is not null && Directory.Exists(memory) && CanCreateDirectoryIn(memory);

        Assert.True(!writable || fixture.Sandbox.HasCgroups, $"{memory} is writable but the sandbox has no cgroups: {fixture.Sandbox.Description}");
    }

    [Fact]
    public async Task CreateAsync_BwrapMissing_ThrowsSandboxUnavailable()
    {
        SandboxUnavailableException ex = await Assert.ThrowsAsync<SandboxUnavailableException>(
            () => BubblewrapSandbox.CreateAsync(new BubblewrapOptions { BwrapPath = "/nonexistent/bwrap" }, CancellationToken.None));

        Assert.Equal("bubblewrap not found at /nonexistent/bwrap: install it (apt-get install bubblewrap) or pick another sandbox.", ex.Message);
    }

    [Fact]
    public async Task CreateAsync_BwrapThatFails_ThrowsSandboxUnavailable()
    {
        string fake = Path.Combine(Path.GetTempPath(), $"fake-bwrap-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(fake, "#!/bin/sh\necho 'bwrap: No permission to create namespaces' >&2\nexit 1\n");
        File.SetUnixFileMode(fake, (UnixFileMode)0b111_101_101);
        try
        {
            SandboxUnavailableException ex = await Assert.ThrowsAsync<SandboxUnavailableException>(
                () => BubblewrapSandbox.CreateAsync(new BubblewrapOptions { BwrapPath = fake, UseCgroups = false }, CancellationToken.None));

            Assert.Equal("bubblewrap cannot start a sandbox here (exit none): sandbox launch failed (exit 1): bwrap: No permission to create namespaces", ex.Message);
        }
        finally
        {
            File.Delete(fake);
        }
    }

    private static bool CanCreateDirectoryIn(string parent)
    {
        string probe = Path.Combine(parent, $"codegen-eval-test-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private Task<ExecutionResult> RunAsync(string program) => Python.ExecuteAsync(program, Timeout, CancellationToken.None);

    // Host processes owned by the sandbox slots' uids, after up to 2 s for exiting ones to be reaped.
    private static List<string> ProcessesOfSlotUids()
    {
        List<string> found = [];
        for (int attempt = 0; attempt < 40; attempt++)
        {
            ChildReaper.ReapOrphans();
            found = ScanSlotUids();
            if (found.Count == 0)
            {
                break;
            }

            Thread.Sleep(50);
        }

        return found;
    }

    private static List<string> ScanSlotUids()
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
                if (uid is >= SandboxFixture.FirstUid and < SandboxFixture.FirstUid + 2)
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
