namespace CodeGen.Eval.Sandbox;

// How the Docker sandbox is set up. The per-run limits (time, memory, processes, files, output) come with each
// SandboxRequest, as for bubblewrap.
internal sealed record DockerOptions
{
    // The image eval/Sandbox/Docker/build-image.sh builds from eval/Sandbox/Docker/Dockerfile.
    public const string DefaultImage = "codegen-eval-sandbox:latest";

    // The daemon's Engine API endpoint (unix://, tcp:// or http://). Default: $DOCKER_HOST when set, else
    // unix:///var/run/docker.sock, as the docker CLI does.
    public Uri Endpoint { get; init; } = DefaultEndpoint();

    // The sandbox image. Default codegen-eval-sandbox:latest.
    public string Image { get; init; } = DefaultImage;

    // Containers running at once; further runs wait. Default 1.
    public int Slots { get; init; } = 1;

    // uid and gid every container runs as: the image's unprivileged `sandbox` user. Default 61000, outside the
    // ranges of Debian's packages, logins and the bubblewrap slots (62000 up).
    public int Uid { get; init; } = 61000;

    // Host directories bound read-only at the same path in every container (the dotnet root for C#). Default none.
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];

    // CPU quota per container in CPUs (NanoCPUs / 1e9). Default 1: a busy sample cannot take more than one core.
    public double Cpus { get; init; } = 1.0;

    // Size of each of the tmpfs mounts /work and /tmp (their pages also count against the memory limit).
    // Default 64 MiB.
    public long TmpfsBytes { get; init; } = 64L << 20;

    // Timeout of each Engine API call other than waiting for the program. Default 30 s.
    public TimeSpan ApiTimeout { get; init; } = TimeSpan.FromSeconds(30);

    // DOCKER_HOST when set and non-empty, else the default socket.
    public static Uri DefaultEndpoint() =>
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } host && TryParseEndpoint(host, out Uri? uri)
            ? uri
            : new Uri("unix:///var/run/docker.sock");

    // Accepts unix:///path, tcp://host:port and http(s)://host:port.
    public static bool TryParseEndpoint(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Uri? endpoint)
    {
        endpoint = null;
        if (!Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) || uri.Scheme is not ("unix" or "tcp" or "http" or "https"))
        {
            return false;
        }

        if (uri.Scheme == "unix" ? uri.AbsolutePath.Length <= 1 : uri.Host.Length == 0)
        {
            return false;
        }

        endpoint = uri;
        return true;
    }
}
