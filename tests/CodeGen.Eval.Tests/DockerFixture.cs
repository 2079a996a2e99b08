using System.Diagnostics;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace CodeGen.Eval.Tests;

// The Docker tests' setup, done by the tests themselves: eval/Sandbox/Docker/build-image.sh installs docker.io and
// debootstrap when missing, starts dockerd when none answers and builds the images when missing (minutes the
// first time, about a second after). Then one Docker sandbox with two slots shared by every Docker test.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DockerFixture : IAsyncLifetime
{
    private DockerSandbox? _sandbox;

    internal DockerSandbox Sandbox => _sandbox ?? throw new InvalidOperationException("The fixture is not initialised.");

    // The uid every container runs as (the host sees the container's processes under it).
    public const int Uid = 61000;

    // The repository's root: the first directory above the test assembly holding eval/Sandbox/Docker.
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string BuildScript => Path.Combine(RepoRoot, "eval", "Sandbox", "Docker", "build-image.sh");

    public async Task InitializeAsync()
    {
        var startInfo = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.ArgumentList.Add(BuildScript);
        using Process script = Process.Start(startInfo)!;
        Task<string> output = script.StandardOutput.ReadToEndAsync();
        Task<string> error = script.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(20));
        await script.WaitForExitAsync(timeout.Token);
        if (script.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{BuildScript} failed (exit {script.ExitCode}); the Docker tests need it to start dockerd and build the image (as root, with Debian's packages reachable):\n{await output}{await error}");
        }

        _sandbox = await DockerSandbox.CreateAsync(
            new DockerOptions { Slots = 2, ReadOnlyPaths = [CSharpExecutor.DotnetRoot.TrimEnd('/')] }, CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _sandbox?.Dispose();
        return Task.CompletedTask;
    }

    // Containers on the daemon carrying the sandbox label (with `value`, or any value when null).
    public static async Task<List<string>> LabelledContainersAsync(string? value)
    {
        using DockerClient client = new DockerClientConfiguration(new DockerOptions().Endpoint).CreateClient();
        IList<ContainerListResponse> containers = await client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool> { [value is null ? DockerSandbox.Label : $"{DockerSandbox.Label}={value}"] = true },
                },
            });
        return [.. containers.Select(c => $"{c.ID[..12]} {c.State} {string.Join(",", c.Names)}")];
    }

    private static string FindRepoRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "eval", "Sandbox", "Docker", "build-image.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No eval/Sandbox/Docker/build-image.sh above {AppContext.BaseDirectory}: run the tests from the repository.");
    }
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<DockerFixture>
{
    public const string Name = "docker";
}
