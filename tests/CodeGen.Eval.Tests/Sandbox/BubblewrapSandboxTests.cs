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

    // As root with a writable cgroup v1 memory hierarchy (this project's development machine), the slots must get
    // their cgroups: their first limit used to fail there (memsw written before memory), silently leaving rlimits
    // alone. Elsewhere (v2 hosts, unprivileged runs) it checks that the sandbox says it has none.
    [Fact]
    public void CreateAsync_AsRootWithWritableV1MemoryCgroup_SlotsHaveCgroups()
    {
        string? memory = File.ReadLines("/proc/self/cgroup").Select(l => l.Split(':', 3)).Where(p => p.Length == 3 && p[1].Split(',').Contains("memory"))
            .Select(p => "/sys/fs/cgroup/memory" + p[2]).FirstOrDefault();
        bool writable = Environment.UserName == "root" && memory is not null && Directory.Exists(memory) && CanCreateDirectoryIn(memory);

        Assert.True(!writable || fixture.Sandbox.HasCgroups, $"{memory} is writable but the sandbox has no cgroups: {fixture.Sandbox.Description}");
        Assert.Equal(fixture.Sandbox.HasCgroups, !fixture.Sandbox.Description.Contains("rlimits only", StringComparison.Ordinal));
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
