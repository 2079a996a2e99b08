using System.Text.Json;

namespace CodeGen.Deploy.Tests;

/// <summary>The monitoring files checked by Prometheus's own promtool: the scrape configuration, and every PromQL expression of the dashboard.</summary>
public sealed class PromtoolTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("codegen-promtool-test-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task PrometheusConfig_PassesPromtoolCheckConfig()
    {
        // promtool checks that the credentials file exists: point it at one written here.
        string key = Path.Combine(_dir.FullName, "codegen-api-key");
        await File.WriteAllTextAsync(key, "test-key\n");
        string text = Repo.Read("deploy/prometheus/prometheus.yml");
        Assert.Contains("credentials_file: /etc/prometheus/codegen-api-key", text, StringComparison.Ordinal);
        string config = Path.Combine(_dir.FullName, "prometheus.yml");
        await File.WriteAllTextAsync(config, text.Replace("/etc/prometheus/codegen-api-key", key, StringComparison.Ordinal));

        Tool.Result result = await Promtool.RunAsync("check", "config", config);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("SUCCESS", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashboardQueries_ParseAsPromQl()
    {
        using JsonDocument dashboard = JsonDocument.Parse(Repo.Read("deploy/grafana/codegen.json"));
        IReadOnlyList<(string Panel, string Expr)> exprs = MonitoringTests.Expressions(dashboard.RootElement);
        var rules = new List<string> { "groups:", "  - name: codegen-dashboard", "    rules:" };
        for (int i = 0; i < exprs.Count; i++)
        {
            // Grafana substitutes $__rate_interval before the query reaches Prometheus.
            string expr = exprs[i].Expr.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("'", "''", StringComparison.Ordinal);
            rules.Add($"      - record: codegen:dashboard_{i}");
            rules.Add($"        expr: '{expr}'");
        }

        string file = Path.Combine(_dir.FullName, "dashboard-rules.yml");
        await File.WriteAllLinesAsync(file, rules);

        Tool.Result result = await Promtool.RunAsync("check", "rules", file);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"SUCCESS: {exprs.Count} rules found", result.Stdout, StringComparison.Ordinal);
    }
}
