using System.Text.Json;
using AngleSharp.Dom;

namespace CodeGen.Web.Tests.Pages;

public sealed class TrendsPageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_DemoStore_ShowsOneSeriesPerModelAndBenchmark()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/trends");

        IDocument page = Html.Parse(body);
        Assert.Equal(
            [
                ["tiny-llama", "humaneval", "2", "0.500", "0.750", "0.750", "finetuned 2025-01-02 12:01"],
                ["other-model", "mbpp", "1", "0.250", "0.250", "0.250", "mbpp-run 2025-01-03 12:05"],
            ],
            page.Rows("#trend-table"));
        using JsonDocument chart = JsonDocument.Parse(page.QuerySelector("canvas#trend-chart")!.GetAttribute("data-chart")!);
        JsonElement data = chart.RootElement.GetProperty("data");
        Assert.Equal(["2025-01-01 12:01", "2025-01-02 12:01", "2025-01-03 12:05"], data.GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray());
        Assert.Equal(
            [("tiny-llama · humaneval", "0.5,0.75,null"), ("other-model · mbpp", "null,null,0.25")],
            data.GetProperty("datasets").EnumerateArray().Select(d => (d.GetProperty("label").GetString()!, string.Join(',', d.GetProperty("data").EnumerateArray().Select(v => v.GetRawText())))).ToArray());
    }

    [Fact]
    public async Task Get_BenchmarkFilter_KeepsThatBenchmarkOnly()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/trends?benchmark=mbpp");

        Assert.Equal(["other-model"], Html.Parse(body).Rows("#trend-table").Select(r => r[0]).ToArray());
    }

    public void Dispose() => _directory.Dispose();
}
