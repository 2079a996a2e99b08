using System.Diagnostics;
using System.Globalization;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// The abuse cases (SandboxAbuseTests) against bubblewrap, and what is particular to it: zombies, cgroups, the
// thread that starts processes, a missing or broken bwrap.
[Collection(SandboxCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BubblewrapSandboxTests(SandboxFixture fixture) : SandboxAbuseTests
{
    internal override ISandbox Sandbox => fixture.Sandbox;

    protected override string ExpectedRootListing => "['bin', 'dev', 'lib', 'lib64', 'proc', 'sbin', 'src', 'tmp', 'usr', 'work']\n";

    protected override IReadOnlyList<string> HostOnlyPaths => ["/root", "/etc/passwd", "/home", "/work/main"];

    // Processes with a slot uid (zombies included, so orphans are reaped first).
    protected override Task<List<string>> LeftoversAsync() => ProcessesOfUidsAsync(SandboxFixture.FirstUid, 2, () => ChildReaper.ReapOrphans());

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

    // The sandbox has memory cgroups exactly where the host grants them (as root, a writable v1 memory hierarchy or
    // a v2 parent that offers the memory controller: probed here independently of CgroupSlot), and then a running
    // program really sits in its slot's cgroup with the run's memory limit written, as the host sees it (inside,
    // bwrap's cgroup namespace shows "/"). Where the host grants none, the program is in no slot cgroup.
    [Fact]
    public async Task RunAsync_RunningProgram_InSlotMemoryCgroupWithRunLimitExactlyWhereHostGrantsOne()
    {
        bool granted = Environment.UserName == "root" && HostGrantsMemoryCgroup();
        Assert.Equal(granted, fixture.Sandbox.HasCgroups);

        const long limit = 200L << 20;
        var request = new SandboxRequest(
            [], [PythonExecutor.DefaultInterpreter, "-c", "import time; time.sleep(4)"],
            new SandboxLimits { MemoryBytes = limit, Timeout = TimeSpan.FromSeconds(20) });
        Task<SandboxResult> run = fixture.Sandbox.RunAsync(request, CancellationToken.None);
        (string Path, string? Limit)? seen = null;
        for (int attempt = 0; attempt < 200 && seen is null && !run.IsCompleted; attempt++)
        {
            seen = MemoryCgroupOfSlotProcess();
            await Task.Delay(20);
        }

        SandboxResult result = await run;
        Assert.Equal(0, result.ExitCode);
        Assert.True(seen is not null, "no process of the slot uids was seen while the program ran");
        if (granted)
        {
            Assert.Contains("/codegen-eval-", seen.Value.Path, StringComparison.Ordinal);
            Assert.Equal(limit.ToString(CultureInfo.InvariantCulture), seen.Value.Limit);
        }
        else
        {
            Assert.DoesNotContain("codegen-eval-", seen.Value.Path, StringComparison.Ordinal);
        }
    }

    // Many processes together past the memory limit (each within its address space): the slot's memory cgroup
    // kills them and the run says so.
    [Fact]
    public async Task RunAsync_PastMemoryLimitWithManyProcesses_KilledByCgroup()
    {
        Assert.True(fixture.Sandbox.HasCgroups, $"this test needs the memory cgroup (root, cgroup v1 or v2 writable): {fixture.Sandbox.Description}");
        var limits = new SandboxLimits { MemoryBytes = 96L << 20 };
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox, limits: limits).ExecuteAsync("""
            import os, time
            for _ in range(4):
                if os.fork() == 0:
                    b = bytearray(48 << 20)
                    for i in range(0, len(b), 4096):
                        b[i] = 1
                    time.sleep(5)
                    os._exit(0)
            killed = sum(1 for _ in range(4) if os.WIFSIGNALED(os.wait()[1]))
            print(killed)
            if killed:
                raise SystemExit("children killed")
            """, TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal(ExecutionStatus.RuntimeError, result.Status);
        Assert.InRange(int.Parse(result.Stdout.Trim(), CultureInfo.InvariantCulture), 1, 4);
        Assert.EndsWith("[killed: memory limit]", result.Stderr, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    // bwrap --die-with-parent is a parent-death signal, sent when the *thread* that forked bwrap exits. A process
    // started from a short-lived thread must outlive it: the harness forks from one thread that never ends.
    [Fact]
    public void Start_FromAThreadThatExits_ChildSurvivesDieWithParent()
    {
        var startInfo = new ProcessStartInfo("/usr/bin/bwrap") { UseShellExecute = false };
        foreach (string argument in new[] { "--die-with-parent", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "/bin/sh", "-c", "sleep 1; exit 7" })
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process? process = null;
        var thread = new Thread(() => process = ChildReaper.Start(startInfo));
        thread.Start();
        thread.Join(); // the thread that asked for the start is gone before the child ends

        using (process)
        {
            Assert.NotNull(process);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), "bwrap did not end");
            Assert.Equal(7, process.ExitCode); // SIGKILLed by the parent-death signal it would be 137
            ChildReaper.Forget(process.Id);
        }
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

    // As root: can we make a child of our own memory cgroup (v1), or of our v2 cgroup with the memory controller?
    private static bool HostGrantsMemoryCgroup()
    {
        string[][] own = [.. File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).Where(p => p.Length == 3)];
        string? v1 = own.Where(p => p[1].Split(',').Contains("memory")).Select(p => "/sys/fs/cgroup/memory" + p[2]).FirstOrDefault();
        if (v1 is not null && Directory.Exists(v1))
        {
            return CanCreateDirectoryIn(v1);
        }

        string? v2Path = own.Where(p => p[0] == "0" && p[1].Length == 0).Select(p => p[2]).FirstOrDefault();
        string root = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified";
        string? v2 = v2Path is null ? null : root + v2Path;
        return v2 is not null && File.Exists(Path.Combine(v2, "cgroup.controllers"))
            && File.ReadAllText(Path.Combine(v2, "cgroup.controllers")).Split(' ', '\n').Contains("memory")
            && CanCreateDirectoryIn(v2);
    }

    // The memory cgroup (host path) of a process with a slot uid, and its memory limit file's content.
    private static (string Path, string? Limit)? MemoryCgroupOfSlotProcess()
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (!int.TryParse(Path.GetFileName(dir), out _))
                {
                    continue;
                }

                string uidLine = File.ReadLines(Path.Combine(dir, "status")).First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
                int uid = int.Parse(uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
                if (uid < SandboxFixture.FirstUid || uid >= SandboxFixture.FirstUid + 2)
                {
                    continue;
                }

                string[][] groups = [.. File.ReadLines(Path.Combine(dir, "cgroup")).Select(l => l.Split(':', 3)).Where(p => p.Length == 3)];
                string[]? v1 = groups.FirstOrDefault(p => p[1].Split(',').Contains("memory"));
                string[]? v2 = groups.FirstOrDefault(p => p[0] == "0" && p[1].Length == 0);
                string? file = v1 is not null
                    ? $"/sys/fs/cgroup/memory{v1[2]}/memory.limit_in_bytes"
                    : v2 is not null ? $"{(File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/unified")}{v2[2]}/memory.max" : null;
                string path = v1?[2] ?? v2?[2] ?? "";
                return (path, file is not null && File.Exists(file) ? File.ReadAllText(file).Trim() : null);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                continue; // The process ended while we read it.
            }
        }

        return null;
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
}
