using System.Globalization;

namespace CodeGen.Eval.Sandbox;

// The check every sandbox makes when it is created: /usr/bin/true must run in it, or the sandbox refuses
// to exist (fail closed, never a fallback to the host).
internal static class SandboxProbe
{
    // Throws SandboxUnavailableException("{failure} (exit N): {error or stderr}") unless /usr/bin/true exits 0.
    public static async Task EnsureRunsAsync(ISandbox sandbox, TimeSpan timeout, string failure, CancellationToken cancellationToken)
    {
        SandboxResult probe = await sandbox.RunAsync(
            new SandboxRequest([], ["/usr/bin/true"], new SandboxLimits { Timeout = timeout }),
            cancellationToken).ConfigureAwait(false);
        if (probe.Error is not null || probe.ExitCode != 0)
        {
            throw new SandboxUnavailableException(
                $"{failure} (exit {probe.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "none"}): {probe.Error ?? probe.Stderr.Trim()}");
        }
    }
}
