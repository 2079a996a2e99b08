using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace CodeGen.Deploy.Tests;

/// <summary>
/// The whole stack for real (Category=Docker, as root): deploy/docker/build-base.sh builds the .NET base images from
/// Debian and this host's .NET (no registry), eval/Sandbox/Docker/build-image.sh the sandbox image, Compose builds
/// the server, web, eval and training images on those bases and brings server and web up on free loopback ports under a
/// project name of its own; the server must turn healthy, answer /health without a key and the API only with it,
/// the eval runner must run reference solutions in the Docker sandbox through the mounted socket into the results
/// volume and generate through the server with the key, the dashboard must show that run, and MPICH must start two ranks in the training image. Then everything is taken down with its volumes.
/// </summary>
[Trait("Category", "Docker")]
public sealed class DeployStackTests : IAsyncLifetime
{
    private readonly string _project = $"codegen-deploy-test-{Environment.ProcessId}";
    private readonly string _key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private readonly int _serverPort = FreePort();
    private readonly int _webPort = FreePort();
    private readonly DirectoryInfo _shared = Directory.CreateDirectory(Path.Combine("/var/tmp", $"codegen-deploy-test-{Environment.ProcessId}"));

    private Dictionary<string, string?> Env() => Compose.Environment(
        ("CODEGEN_API_KEY", _key),
        ("CODEGEN_PORT", _serverPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("CODEGEN_WEB_PORT", _webPort.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("CODEGEN_EVAL_SHARED", _shared.FullName),
        // Bind mounts whose host directories Docker would otherwise create in the repository.
        ("CODEGEN_ADAPTERS_DIR", Path.Combine(_shared.FullName, "adapters")),
        ("CODEGEN_DATA_DIR", Path.Combine(_shared.FullName, "data")),
        ("DOTNET_SDK_IMAGE", "codegen-dotnet-sdk:10.0"),
        ("DOTNET_RUNTIME_IMAGE", "codegen-dotnet-aspnet:10.0"));

    private async Task<Tool.Result> ComposeAsync(TimeSpan timeout, params string[] args)
    {
        Tool.Result result = await Compose.RunAsync(["-p", _project, "--profile", "eval", "--profile", "training", .. args], Env(), timeout);
        Assert.True(result.ExitCode == 0, $"compose {string.Join(' ', args)}: {result}");
        return result;
    }

    private static async Task ScriptAsync(string script, TimeSpan timeout)
    {
        Tool.Result result = await Tool.RunAsync("/bin/bash", [Repo.PathOf(script)], timeout: timeout);
        Assert.True(result.ExitCode == 0, $"{script}: {result}");
    }

    public async Task InitializeAsync()
    {
        await ScriptAsync("deploy/docker/build-base.sh", TimeSpan.FromMinutes(15));
        await ScriptAsync("eval/Sandbox/Docker/build-image.sh", TimeSpan.FromMinutes(15));
        await ComposeAsync(TimeSpan.FromMinutes(40), "build", "server", "web", "eval", "training");
    }

    public async Task DisposeAsync()
    {
        await Compose.RunAsync(["-p", _project, "--profile", "eval", "--profile", "training", "down", "-v", "--remove-orphans"], Env(), TimeSpan.FromMinutes(2));
        _shared.Delete(recursive: true);
    }

    [Fact]
    public async Task Stack_UpHealthyServingEvaluatingAndShowingTheRun_ThenDown()
    {
        await ComposeAsync(TimeSpan.FromMinutes(3), "up", "-d", "server", "web");
        await WaitHealthyAsync("server");
        await WaitHealthyAsync("web");

        using var server = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_serverPort}"), Timeout = TimeSpan.FromSeconds(60) };
        using HttpResponseMessage health = await server.GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("codegen-tiny", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetString());

        using HttpResponseMessage anonymous = await server.PostAsJsonAsync("/v1/completions", new { prompt = "def f():", max_tokens = 4 });
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions") { Content = JsonContent.Create(new { prompt = "def f():", max_tokens = 4, temperature = 0 }) };
        request.Headers.Authorization = new("Bearer", _key);
        using HttpResponseMessage completion = await server.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        JsonElement body = JsonDocument.Parse(await completion.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(4, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        // Reference solutions through the eval runner: the Docker sandbox on the host's daemon, via the socket.
        string run = $"deploy-oracle-{Environment.ProcessId}";
        Tool.Result eval = await ComposeAsync(TimeSpan.FromMinutes(5), "run", "--rm", "eval",
            "run", "--benchmark", "humaneval", "--oracle", "canonical", "--limit", "3", "--sandbox", "docker", "--parallel", "1", "--db", "/results/results.db", "--name", run);
        Assert.Contains("pass@1=1 passed=3 total=3", eval.Stdout, StringComparison.Ordinal);

        // Generation through the server: the runner sends the key it gets from CODEGEN_API_KEY (a 401 would stop the run).
        Tool.Result generated = await ComposeAsync(TimeSpan.FromMinutes(5), "run", "--rm", "eval",
            "run", "--benchmark", "humaneval", "--limit", "1", "--max-tokens", "8", "--server", "http://server:8080", "--sandbox", "docker", "--parallel", "1", "--db", "/results/results.db");
        Assert.Matches(@"pass@1=[0-9.]+ passed=[01] total=1", generated.Stdout);

        using var web = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_webPort}"), Timeout = TimeSpan.FromSeconds(60) };
        string page = await web.GetStringAsync("/");
        Assert.Contains(run, page, StringComparison.Ordinal);

        // The training image: MPICH's launcher starts two ranks of the training executable in it.
        Tool.Result mpi = await ComposeAsync(TimeSpan.FromMinutes(2), "run", "--rm", "--no-deps", "--entrypoint", "mpiexec.mpich", "training",
            "-n", "2", "dotnet", "/app/CodeGen.Training.dll", "--version");
        Assert.Equal(2, mpi.Stdout.Split('\n').Count(line => System.Text.RegularExpressions.Regex.IsMatch(line.Trim(), @"^\d+\.\d+\.\d+")));

        await ComposeAsync(TimeSpan.FromMinutes(2), "down", "-v");
        Tool.Result left = await Tool.RunAsync("docker", ["ps", "-a", "--filter", $"label=com.docker.compose.project={_project}", "-q"]);
        Assert.Equal("", left.Stdout.Trim());
    }

    private async Task WaitHealthyAsync(string service)
    {
        string id = (await ComposeAsync(TimeSpan.FromMinutes(1), "ps", "-q", service)).Stdout.Trim();
        Assert.False(string.IsNullOrEmpty(id), $"no container for {service}");
        string status = "";
        for (int i = 0; i < 90 && status != "healthy"; i++)
        {
            status = (await Tool.RunAsync("docker", ["inspect", "-f", "{{.State.Health.Status}}", id])).Stdout.Trim();
            if (status == "unhealthy") break;
            if (status != "healthy") await Task.Delay(2000);
        }

        Assert.True(status == "healthy", $"{service} is {status}: {(await Tool.RunAsync("docker", ["logs", "--tail", "40", id])).Stderr}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
