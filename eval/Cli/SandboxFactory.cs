using System.CommandLine;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Cli;

// Builds the sandbox the command line asks for, or throws SandboxUnavailableException: never a fallback to
// running on the host.
internal static class SandboxFactory
{
    public static readonly IReadOnlyList<string> Kinds = ["bwrap", "docker"];

    // --docker-host and --docker-image, shared by `eval run` and `eval exec`.
    public static Option<string?> DockerHostOption() =>
        new("--docker-host") { Description = "Docker Engine API endpoint for --sandbox docker (default: $DOCKER_HOST, else unix:///var/run/docker.sock)." };

    public static Option<string> DockerImageOption() =>
        new("--docker-image") { Description = "Image for --sandbox docker (built by eval/Sandbox/Docker/build-image.sh).", DefaultValueFactory = _ => DockerOptions.DefaultImage };

    // The problem with --docker-host's value, or null when it is absent or a valid endpoint.
    public static string? ValidateDockerHost(string? host) =>
        host is null || DockerOptions.TryParseEndpoint(host, out _)
            ? null
            : $"--docker-host must be unix:///path/to/docker.sock, tcp://host:port or http://host:port, got '{host}'.";

    // dockerHost: null for the default endpoint (see DockerOptions.Endpoint); it must have passed
    // ValidateDockerHost.
    public static async Task<ISandbox> CreateAsync(string kind, int parallel, string? dockerHost, string dockerImage, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SandboxUnavailableException("Sandboxed execution needs Linux; refusing to run generated code.");
        }

        // The dotnet host runs C# samples; its directory is bound read-only into the sandbox.
        string dotnet = CSharpExecutor.DotnetRoot.TrimEnd('/');
        switch (kind)
        {
            case "bwrap":
                // bwrap binds the host's /usr already.
                IReadOnlyList<string> extra = dotnet.StartsWith("/usr/", StringComparison.Ordinal) ? [] : [dotnet];
                return await BubblewrapSandbox.CreateAsync(new BubblewrapOptions { Slots = parallel, ReadOnlyPaths = extra }, cancellationToken).ConfigureAwait(false);
            case "docker":
                // The container's /usr is the image's, so the host's dotnet is always bound.
                var options = new DockerOptions { Slots = parallel, Image = dockerImage, ReadOnlyPaths = [dotnet] };
                if (dockerHost is not null)
                {
                    options = options with { Endpoint = DockerOptions.TryParseEndpoint(dockerHost, out Uri? endpoint) ? endpoint : throw new ArgumentException(ValidateDockerHost(dockerHost), nameof(dockerHost)) };
                }

                return await DockerSandbox.CreateAsync(options, cancellationToken).ConfigureAwait(false);
            default:
                throw new SandboxUnavailableException($"Unknown sandbox '{kind}'; expected one of {string.Join(", ", Kinds)}.");
        }
    }
}
