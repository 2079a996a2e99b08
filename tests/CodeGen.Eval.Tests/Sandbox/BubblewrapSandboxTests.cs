using System.Globalization;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// The abuse cases (SandboxAbuseTests) against bubblewrap, and what is particular to it: zombies, a missing or
// broken bwrap.
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
}
