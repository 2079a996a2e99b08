namespace CodeGen.Deploy.Tests;

/// <summary>
/// The Compose command line: the Docker CLI's plugin (<c>docker compose</c>) when it answers, else Debian's
/// <c>docker-compose</c> (v1, package docker-compose, which test.sh installs). Both read the repository's
/// docker-compose.yml; neither needs a running Docker engine for <c>config</c>.
/// </summary>
internal static class Compose
{
    private static readonly Lazy<Task<(string File, string[] Prefix)>> Command = new(FindAsync);

    // An empty file for --env-file, so that a developer's .env beside docker-compose.yml does not change what the tests see.
    private static readonly Lazy<string> EmptyEnvFile = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"codegen-deploy-tests-{System.Environment.ProcessId}.env");
        File.WriteAllText(path, "");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(path);
        return path;
    });

    public static async Task<Tool.Result> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?> environment, TimeSpan? timeout = null)
    {
        (string file, string[] prefix) = await Command.Value;
        return await Tool.RunAsync(file, [.. prefix, "--project-directory", Repo.Root, "--env-file", EmptyEnvFile.Value, "-f", Repo.PathOf("docker-compose.yml"), .. args], environment, Repo.Root, timeout);
    }

    /// <summary>The environment of a run: the settings the compose file reads, cleared so the host's do not leak in, plus <paramref name="set"/>.</summary>
    public static Dictionary<string, string?> Environment(params (string Name, string? Value)[] set)
    {
        Dictionary<string, string?> env = System.Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name.StartsWith("CODEGEN_", StringComparison.Ordinal) || name.StartsWith("DOTNET_SDK_IMAGE", StringComparison.Ordinal)
                || name == "DOTNET_RUNTIME_IMAGE" || name.StartsWith("PROMETHEUS_", StringComparison.Ordinal) || name.StartsWith("GRAFANA_", StringComparison.Ordinal))
            .ToDictionary(name => name, _ => (string?)null);
        foreach ((string name, string? value) in set) env[name] = value;
        return env;
    }

    private static async Task<(string, string[])> FindAsync()
    {
        if (Tool.OnPath("docker") && (await Tool.RunAsync("docker", ["compose", "version"])).ExitCode == 0) return ("docker", ["compose"]);
        if (Tool.OnPath("docker-compose")) return ("docker-compose", []);
        throw new InvalidOperationException("neither `docker compose` nor `docker-compose` is installed: apt-get install docker-compose (test.sh installs it when run as root)");
    }
}
