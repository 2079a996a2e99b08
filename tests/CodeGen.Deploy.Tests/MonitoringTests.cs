using System.Text.Json;
using System.Text.RegularExpressions;

namespace CodeGen.Deploy.Tests;

/// <summary>
/// deploy/grafana/codegen.json and deploy/prometheus/prometheus.yml against what the server exports: the metric names
/// come from server/Engine/EngineMetrics.cs (CodeGen.Server.Tests' GrafanaDashboardTests checks the same dashboard
/// against a running server's /metrics).
/// </summary>
public sealed partial class MonitoringTests
{
    [GeneratedRegex(@"Create(?<kind>Counter|Gauge|Histogram)\(""(?<name>codegen_[a-z_]+)""")]
    private static partial Regex Created();

    [GeneratedRegex(@"\bcodegen_[a-z_]+\b")]
    private static partial Regex MetricName();

    // Every series name the server can export: a histogram adds _bucket, _sum and _count.
    private static HashSet<string> Exported()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (Match m in Created().Matches(Repo.Read("server/Engine/EngineMetrics.cs")))
        {
            string name = m.Groups["name"].Value;
            if (m.Groups["kind"].Value == "Histogram") names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
            else names.Add(name);
        }

        return names;
    }

    internal static IReadOnlyList<(string Panel, string Expr)> Expressions(JsonElement dashboard) =>
        [.. dashboard.GetProperty("panels").EnumerateArray().SelectMany(panel => panel.GetProperty("targets").EnumerateArray()
            .Select(target => (panel.GetProperty("title").GetString()!, target.GetProperty("expr").GetString()!)))];

    private static JsonElement Dashboard() => JsonDocument.Parse(Repo.Read("deploy/grafana/codegen.json")).RootElement;

    [Fact]
    public void Dashboard_EveryMetricItQueries_IsOneTheServerExports()
    {
        HashSet<string> exported = Exported();
        Assert.True(exported.Count >= 17, $"only {exported.Count} names read from EngineMetrics.cs");

        foreach ((string panel, string expr) in Expressions(Dashboard()))
        {
            MatchCollection names = MetricName().Matches(expr);
            Assert.True(names.Count > 0, $"panel '{panel}': no codegen_ metric in {expr}");
            foreach (Match name in names)
            {
                Assert.True(exported.Contains(name.Value), $"panel '{panel}' queries {name.Value}, which EngineMetrics.cs does not export");
            }
        }
    }

    [Theory]
    [InlineData("codegen_requests_total")]
    [InlineData("codegen_queue_depth")]
    [InlineData("codegen_running_batch_size")]
    [InlineData("codegen_generated_tokens_total")]
    [InlineData("codegen_time_to_first_token_seconds_bucket")]
    [InlineData("codegen_inter_token_latency_seconds_bucket")]
    [InlineData("codegen_kv_cache_blocks_used")]
    [InlineData("codegen_kv_cache_blocks_total")]
    [InlineData("codegen_prefix_cache_hit_tokens_total")]
    [InlineData("codegen_preemptions_total")]
    [InlineData("codegen_spec_draft_tokens_total")]
    [InlineData("codegen_spec_accepted_tokens_total")]
    [InlineData("codegen_constraint_rejections_total")]
    [InlineData("codegen_constraint_check_seconds_bucket")]
    public void Dashboard_ChartsEachServerMetric(string metric)
    {
        Assert.Contains(Expressions(Dashboard()), e => MetricName().Matches(e.Expr).Any(m => m.Value == metric));
    }

    [Fact]
    public void Dashboard_LatenciesAreQuantilesOfRatesByBucket()
    {
        IReadOnlyList<(string Panel, string Expr)> exprs = Expressions(Dashboard());

        foreach (string histogram in new[] { "codegen_time_to_first_token_seconds", "codegen_inter_token_latency_seconds", "codegen_constraint_check_seconds" })
        {
            string[] quantiles = [.. exprs.Select(e => e.Expr).Where(e => e.Contains(histogram, StringComparison.Ordinal))];
            Assert.Equal(
                ["0.5", "0.95", "0.99"],
                quantiles.Select(q => Assert.Single(Regex.Matches(q, $@"^histogram_quantile\(([0-9.]+), sum by \(le\) \(rate\({histogram}_bucket\[\$__rate_interval\]\)\)\)$")).Groups[1].Value));
        }

        Assert.Contains(exprs, e => e.Expr == "sum(rate(codegen_spec_accepted_tokens_total[$__rate_interval])) / sum(rate(codegen_spec_draft_tokens_total[$__rate_interval]))");
    }

    [Fact]
    public void Dashboard_PanelsUseTheDatasourceVariableAndDoNotOverlap()
    {
        JsonElement dashboard = Dashboard();
        JsonElement variable = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray().Single(v => v.GetProperty("name").GetString() == "datasource");
        Assert.Equal("datasource", variable.GetProperty("type").GetString());
        Assert.Equal("prometheus", variable.GetProperty("query").GetString());

        var cells = new HashSet<(int, int)>();
        var ids = new HashSet<int>();
        foreach (JsonElement panel in dashboard.GetProperty("panels").EnumerateArray())
        {
            Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), "duplicate panel id");
            Assert.Equal("${datasource}", panel.GetProperty("datasource").GetProperty("uid").GetString());
            foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
            {
                Assert.Equal("${datasource}", target.GetProperty("datasource").GetProperty("uid").GetString());
            }

            JsonElement grid = panel.GetProperty("gridPos");
            int x = grid.GetProperty("x").GetInt32(), y = grid.GetProperty("y").GetInt32(), w = grid.GetProperty("w").GetInt32(), h = grid.GetProperty("h").GetInt32();
            Assert.True(x + w <= 24, $"panel {panel.GetProperty("title")} is wider than the grid");
            for (int i = x; i < x + w; i++)
            {
                for (int j = y; j < y + h; j++) Assert.True(cells.Add((i, j)), $"panel {panel.GetProperty("title")} overlaps another at ({i}, {j})");
            }
        }
    }

    [Fact]
    public void Prometheus_ScrapesTheServersMetricsWithTheKeyAsBearer()
    {
        object config = Yaml.Document(Repo.Read("deploy/prometheus/prometheus.yml"));
        object compose = Yaml.Document(Repo.Read("docker-compose.yml"));

        object job = Assert.Single(Yaml.List(config, "scrape_configs"));
        Assert.Equal("/metrics", Yaml.Str(job, "metrics_path"));
        Assert.Equal("Bearer", Yaml.Str(job, "authorization.type"));
        Assert.StartsWith("/etc/prometheus/", Yaml.Str(job, "authorization.credentials_file"), StringComparison.Ordinal);
        // The target is the compose service on its container port (the port the healthcheck asks).
        string target = Assert.Single(Yaml.Strings(job, "static_configs.0.targets"));
        Assert.Equal("server:8080", target);
        Assert.True(Yaml.Has(compose, "services.server"));
        Assert.Contains("/dev/tcp/127.0.0.1/8080", string.Join(' ', Yaml.Strings(compose, "services.server.healthcheck.test")), StringComparison.Ordinal);
    }

    [Fact]
    public void Grafana_ProvisioningPointsAtThePrometheusServiceAndTheMountedDashboard()
    {
        object datasources = Yaml.Document(Repo.Read("deploy/grafana/provisioning/datasources/prometheus.yml"));
        object dashboards = Yaml.Document(Repo.Read("deploy/grafana/provisioning/dashboards/codegen.yml"));
        object compose = Yaml.Document(Repo.Read("docker-compose.yml"));

        Assert.Equal("prometheus", Yaml.Str(datasources, "datasources.0.type"));
        Assert.Equal("http://prometheus:9090", Yaml.Str(datasources, "datasources.0.url"));
        string path = Yaml.Str(dashboards, "providers.0.options.path");
        Assert.Contains(Yaml.Strings(compose, "services.grafana.volumes"), v => v == $"./deploy/grafana/codegen.json:{path}/codegen.json:ro");
    }
}
