using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using CodeGen.TestUtils;

namespace CodeGen.Server.Tests.Deploy;

/// <summary>
/// deploy/grafana/codegen.json against a running server: every metric its PromQL names is a series the server's
/// /metrics exports once plain, constrained and speculative requests have been served.
/// </summary>
public sealed partial class GrafanaDashboardTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    [GeneratedRegex(@"\bcodegen_[a-z_]+\b")]
    private static partial Regex MetricName();

    [Fact]
    public async Task Dashboard_EveryQueriedMetric_IsExportedByTheServer()
    {
        string path = Fixtures.FindAbove(Path.Combine("deploy", "grafana", "codegen.json")) ?? throw new FileNotFoundException("deploy/grafana/codegen.json not found above the test assembly");
        foreach (object body in new object[]
        {
            new { prompt = "def add(a, b):", max_tokens = 4, temperature = 0 },
            new { prompt = "def add(a, b):", max_tokens = 4, temperature = 0, constrain = "python" },
            new { prompt = "a b a b a b a b", max_tokens = 4, temperature = 0, speculative = "ngram" },
        })
        {
            (HttpStatusCode status, JsonElement answer) = await server.PostAsync("/v1/completions", body);
            Assert.True(status == HttpStatusCode.OK, answer.ToString());
        }

        string text = await server.Client.GetStringAsync("/metrics");
        HashSet<string> exported = [.. text.Split('\n').Where(l => l.StartsWith("codegen_", StringComparison.Ordinal)).Select(l => l.Split('{', ' ')[0])];

        using JsonDocument dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var queried = new List<string>();
        foreach (JsonElement panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
        {
            foreach (JsonElement target in panel.GetProperty("targets").EnumerateArray())
            {
                queried.AddRange(MetricName().Matches(target.GetProperty("expr").GetString()!).Select(m => m.Value));
            }
        }

        Assert.True(queried.Distinct().Count() >= 15, $"the dashboard queries only {queried.Distinct().Count()} metrics");
        Assert.All(queried.Distinct(), name => Assert.True(exported.Contains(name), $"the dashboard queries {name}; /metrics exports {string.Join(", ", exported.Order())}"));
    }
}
