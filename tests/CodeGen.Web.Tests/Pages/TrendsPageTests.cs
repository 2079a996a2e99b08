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
        string chart = page.QuerySelector("canvas#trend-chart")!.GetAttribute("data-chart")!;
        Assert.Contains("\"labels\":[\"2025-01-01 12:01\",\"2025-01-02 12:01\",\"2025-01-03 12:05\"]", chart, StringComparison.Ordinal);
        Assert.Contains("{\"label\":\"tiny-llama · humaneval\",\"data\":[0.5,0.75,null]", chart, StringComparison.Ordinal);
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
