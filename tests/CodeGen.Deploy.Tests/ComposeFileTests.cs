using System.Text.RegularExpressions;

namespace CodeGen.Deploy.Tests;

/// <summary>docker-compose.yml: validated by Compose itself, then the fields that matter read from its resolved form and from the file.</summary>
public sealed partial class ComposeFileTests
{
    private const string Key = "test-key-0123456789";

    // The resolution with only the key set, shared by the tests that read defaults (Compose v1 takes a second or two).
    private static readonly Lazy<Task<object>> Defaults = new(() => ResolveAsync([]));

    private static Task<object> ResolvedAsync(params (string, string?)[] set) => set.Length == 0 ? Defaults.Value : ResolveAsync(set);

    private static async Task<object> ResolveAsync((string, string?)[] set)
    {
        Tool.Result result = await Compose.RunAsync(
            ["--profile", "eval", "--profile", "monitoring", "--profile", "training", "config"],
            Compose.Environment([("CODEGEN_API_KEY", Key), .. set]));
        Assert.True(result.ExitCode == 0, $"compose config failed: {result}");
        return Yaml.Document(result.Stdout);
    }

    // A port as (host address, published port, container port), from Compose v1's "IP:HOST:CONTAINER/tcp" or v2's map.
    private static (string HostIp, string Published, string Target) Port(object port) => port switch
    {
        string text when ShortPort().Match(text) is { Success: true } m => (m.Groups["ip"].Value, m.Groups["published"].Value, m.Groups["target"].Value),
        Dictionary<object, object> map => ((string)map["host_ip"], (string)map["published"], (string)map["target"]),
        _ => throw new InvalidDataException($"unrecognised port {port}"),
    };

    [GeneratedRegex(@"^(?<ip>[0-9.]+):(?<published>\d+):(?<target>\d+)(/tcp)?$")]
    private static partial Regex ShortPort();

    // A volume as (source, target, read-only), from the short syntax or the long one.
    private static (string Source, string Target, bool ReadOnly) Volume(object volume) => volume switch
    {
        string text => text.Split(':') switch
        {
            [var s, var t] => (s, t, false),
            [var s, var t, var mode] => (s, t, mode.Split(',').Contains("ro")),
            _ => throw new InvalidDataException($"unrecognised volume {text}"),
        },
        Dictionary<object, object> map => ((string)map["source"], (string)map["target"], map.TryGetValue("read_only", out object? ro) && ro is "true"),
        _ => throw new InvalidDataException($"unrecognised volume {volume}"),
    };

    private static List<(string Source, string Target, bool ReadOnly)> Volumes(object config, string service) =>
        [.. Yaml.List(config, $"services.{service}.volumes").Select(Volume)];

    [Fact]
    public async Task Config_WithKey_ValidatesEveryServiceOfEveryProfile()
    {
        object config = await ResolvedAsync();

        Assert.Equal(["eval", "grafana", "prometheus", "server", "training", "web"], Yaml.Map(config, "services").Keys.Cast<string>().Order());
        Assert.Equal(Key, Yaml.Str(config, "services.server.environment.CODEGEN_API_KEY"));
        Assert.Equal(Key, Yaml.Str(config, "services.eval.environment.CODEGEN_API_KEY"));
    }

    [Fact]
    public async Task Config_WithoutKey_FailsNamingTheVariable()
    {
        Tool.Result result = await Compose.RunAsync(["config"], Compose.Environment());

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("CODEGEN_API_KEY", result.Stderr + result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Config_Defaults_PublishOnLoopbackOnly()
    {
        object config = await ResolvedAsync();

        foreach ((string service, string published, string target) in new[] { ("server", "8080", "8080"), ("web", "5080", "5080"), ("prometheus", "9090", "9090"), ("grafana", "3000", "3000") })
        {
            (string hostIp, string p, string t) = Port(Assert.Single(Yaml.List(config, $"services.{service}.ports")));
            Assert.Equal(("127.0.0.1", published, target), (hostIp, p, t));
        }

        foreach (string service in new[] { "eval", "training" })
        {
            Assert.False(Yaml.Has(config, $"services.{service}.ports"), $"{service} publishes a port");
        }
    }

    [Fact]
    public async Task Config_PublishAddressAndPorts_AreSettings()
    {
        object config = await ResolvedAsync(("CODEGEN_PUBLISH_ADDRESS", "0.0.0.0"), ("CODEGEN_PORT", "18080"), ("CODEGEN_WEB_PORT", "15080"));

        Assert.Equal(("0.0.0.0", "18080", "8080"), Port(Assert.Single(Yaml.List(config, "services.server.ports"))));
        Assert.Equal(("0.0.0.0", "15080", "5080"), Port(Assert.Single(Yaml.List(config, "services.web.ports"))));
    }

    [Fact]
    public async Task Config_Server_HealthcheckAsksHealthOnTheContainerPort()
    {
        object config = await ResolvedAsync();

        string test = string.Join(' ', Yaml.Strings(config, "services.server.healthcheck.test"));
        (_, _, string target) = Port(Assert.Single(Yaml.List(config, "services.server.ports")));
        Assert.StartsWith("CMD ", test, StringComparison.Ordinal);
        Assert.Contains($"/dev/tcp/127.0.0.1/{target}", test, StringComparison.Ordinal);
        Assert.Contains("GET /health HTTP/1.0", test, StringComparison.Ordinal);
        Assert.Contains("grep -q ' 200 '", test, StringComparison.Ordinal);
        // Loading a large model takes minutes: failures only count after the start period.
        Assert.Equal(120, Seconds(Yaml.Str(config, "services.server.healthcheck.start_period")));
    }

    [Fact]
    public async Task Config_Server_MountsModelsAndAdaptersReadOnlyAndServesFromThem()
    {
        object config = await ResolvedAsync(("CODEGEN_MODELS_DIR", "/srv/models"), ("CODEGEN_ADAPTERS_DIR", "/srv/adapters"), ("CODEGEN_MODEL", "Qwen2.5-Coder-14B"));

        List<(string Source, string Target, bool ReadOnly)> volumes = Volumes(config, "server");
        Assert.Contains(("/srv/models", "/models", true), volumes);
        Assert.Contains(("/srv/adapters", "/adapters", true), volumes);
        Assert.Equal(["--model", "/models/Qwen2.5-Coder-14B", "--max-batch", "8"], Yaml.Strings(config, "services.server.command"));
    }

    [Fact]
    public async Task Config_Server_DefaultModelIsTheBundledOneInTheRepositorysModels()
    {
        object config = await ResolvedAsync();

        (string source, _, _) = Volumes(config, "server").Single(v => v.Target == "/models");
        string model = Yaml.Strings(config, "services.server.command")[1];
        Assert.Equal("/models/codegen-tiny", model);
        Assert.True(System.IO.File.Exists(Path.Combine(source, "codegen-tiny", "config.json")), $"{source}/codegen-tiny/config.json missing");
    }

    [Fact]
    public async Task Config_Web_ReadsTheStoreTheEvalRunnerWrites()
    {
        object config = await ResolvedAsync();

        List<string> webCommand = Yaml.Strings(config, "services.web.command");
        List<string> evalCommand = Yaml.Strings(config, "services.eval.command");
        string webDb = webCommand[webCommand.IndexOf("--db") + 1];
        string evalDb = evalCommand[evalCommand.IndexOf("--db") + 1];
        Assert.Equal(evalDb, webDb);
        string dir = Path.GetDirectoryName(webDb)!;
        (string webSource, _, _) = Volumes(config, "web").Single(v => v.Target == dir);
        (string evalSource, _, _) = Volumes(config, "eval").Single(v => v.Target == dir);
        Assert.Equal("results", webSource);
        Assert.Equal(webSource, evalSource);
        Assert.Contains("results", Yaml.Map(config, "volumes").Keys);
        Assert.Equal("http://0.0.0.0:5080", webCommand[webCommand.IndexOf("--urls") + 1]);
    }

    [Fact]
    public async Task Config_Eval_IsAOneShotProfileUsingTheDockerSandbox()
    {
        object config = await ResolvedAsync(("CODEGEN_EVAL_SHARED", "/srv/codegen-eval"));

        Assert.Equal(["eval"], Yaml.Strings(config, "services.eval.profiles"));
        Assert.Equal("no", Yaml.Str(config, "services.eval.restart"));
        Assert.Equal("service_healthy", Yaml.Str(config, "services.eval.depends_on.server.condition"));
        List<string> command = Yaml.Strings(config, "services.eval.command");
        Assert.Equal("run", command[0]);
        Assert.Equal("docker", command[command.IndexOf("--sandbox") + 1]);
        Assert.Equal("http://server:8080", command[command.IndexOf("--server") + 1]);
        List<(string Source, string Target, bool ReadOnly)> volumes = Volumes(config, "eval");
        Assert.Contains(("/var/run/docker.sock", "/var/run/docker.sock", false), volumes);
        // The sandbox's bind mounts are host paths: the shared directory must be the same path on both sides.
        Assert.Contains(("/srv/codegen-eval", "/srv/codegen-eval", false), volumes);
        Assert.Equal("/srv/codegen-eval", Yaml.Str(config, "services.eval.environment.CODEGEN_EVAL_SHARED"));
    }

    [Fact]
    public async Task Config_DotnetBaseImages_DefaultToMicrosoftsAndAreSettings()
    {
        object defaults = await ResolvedAsync();
        object local = await ResolvedAsync(("DOTNET_SDK_IMAGE", "codegen-dotnet-sdk:10.0"), ("DOTNET_RUNTIME_IMAGE", "codegen-dotnet-aspnet:10.0"));

        foreach (string service in new[] { "server", "web", "eval", "training" })
        {
            Assert.Equal("mcr.microsoft.com/dotnet/sdk:10.0", Yaml.Str(defaults, $"services.{service}.build.args.DOTNET_SDK_IMAGE"));
            Assert.Equal("mcr.microsoft.com/dotnet/aspnet:10.0", Yaml.Str(defaults, $"services.{service}.build.args.DOTNET_RUNTIME_IMAGE"));
            Assert.Equal("codegen-dotnet-sdk:10.0", Yaml.Str(local, $"services.{service}.build.args.DOTNET_SDK_IMAGE"));
            Assert.Equal("codegen-dotnet-aspnet:10.0", Yaml.Str(local, $"services.{service}.build.args.DOTNET_RUNTIME_IMAGE"));
            string dockerfile = Yaml.Str(defaults, $"services.{service}.build.dockerfile");
            Assert.True(System.IO.File.Exists(Repo.PathOf(dockerfile)) || System.IO.File.Exists(dockerfile), $"{service}: {dockerfile} missing");
        }
    }

    [Fact]
    public async Task Config_MonitoringMountsMatchThePrometheusConfiguration()
    {
        object config = await ResolvedAsync();
        object prometheus = Yaml.Document(Repo.Read("deploy/prometheus/prometheus.yml"));

        string credentials = Yaml.Str(prometheus, "scrape_configs.0.authorization.credentials_file");
        List<(string Source, string Target, bool ReadOnly)> mounts = Volumes(config, "prometheus");
        Assert.Contains((Repo.PathOf("deploy/prometheus/prometheus.yml"), "/etc/prometheus/prometheus.yml", true), mounts);
        Assert.Contains((Repo.PathOf("deploy/prometheus/codegen-api-key"), credentials, true), mounts);
        Assert.Equal(["monitoring"], Yaml.Strings(config, "services.prometheus.profiles"));
        Assert.Equal(["monitoring"], Yaml.Strings(config, "services.grafana.profiles"));
    }

    // Compose durations as resolved: "120s", "2m", "2m0s", "1m30s".
    private static int Seconds(string duration) =>
        DurationPart().Matches(duration).Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) * (m.Groups[2].Value == "m" ? 60 : m.Groups[2].Value == "h" ? 3600 : 1));

    [GeneratedRegex(@"(\d+)([hms])")]
    private static partial Regex DurationPart();
}
