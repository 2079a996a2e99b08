using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// Failing closed without a daemon: these need no Docker, so they run by default.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DockerSandboxUnavailableTests
{
    [Fact]
    public async Task CreateAsync_NoSocket_ThrowsSandboxUnavailableNamingTheFix()
    {
        SandboxUnavailableException ex = await Assert.ThrowsAsync<SandboxUnavailableException>(
            () => DockerSandbox.CreateAsync(new DockerOptions { Endpoint = new Uri("unix:///nonexistent/docker.sock") }, CancellationToken.None));

        Assert.Equal(
            "docker sandbox unavailable: no Docker daemon socket at /nonexistent/docker.sock; start dockerd and build the image with eval/Sandbox/Docker/build-image.sh (as root), or point --docker-host (or DOCKER_HOST) at a running daemon.",
            ex.Message);
    }

    [Fact]
    public async Task CreateAsync_NothingListening_ThrowsSandboxUnavailable()
    {
        // A port just released by a listener of ours: nothing answers there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        SandboxUnavailableException ex = await Assert.ThrowsAsync<SandboxUnavailableException>(
            () => DockerSandbox.CreateAsync(new DockerOptions { Endpoint = new Uri($"tcp://127.0.0.1:{port}") }, CancellationToken.None));

        Assert.Equal(
            $"docker sandbox unavailable: no Docker daemon answers at tcp://127.0.0.1:{port}/ (Connection refused); start dockerd and build the image with eval/Sandbox/Docker/build-image.sh (as root).",
            ex.Message);
    }

    [Theory]
    [InlineData("unix:///var/run/docker.sock", true)]
    [InlineData("tcp://127.0.0.1:2375", true)]
    [InlineData("http://localhost:2375", true)]
    [InlineData("unix://", false)]
    [InlineData("ftp://host", false)]
    [InlineData("docker.sock", false)]
    public void TryParseEndpoint_Text_AcceptsOnlyDaemonEndpoints(string text, bool valid)
    {
        Assert.Equal(valid, DockerOptions.TryParseEndpoint(text, out Uri? endpoint));
        Assert.Equal(valid ? new Uri(text) : null, endpoint);
    }
}
