using AngleSharp.Dom;

namespace CodeGen.Web.Tests.Pages;

public sealed class TrainingPageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_NoTrainingDir_SaysHowToPassOne()
    {
        (_, string body) = await TestHttp.GetAsync(_directory.File("results.db"), "/training");

        Assert.StartsWith("No training metrics to show: start the dashboard with --training-dir DIR", Html.Parse(body).QuerySelector("main p")!.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_MissingTrainingDir_SaysItDoesNotExist()
    {
        string missing = _directory.File("nowhere");

        (_, string body) = await TestHttp.GetAsync(_directory.File("results.db"), "/training", missing);

        Assert.Equal($"The training directory {missing} does not exist.", Html.Parse(body).QuerySelector(".alert-warning")!.Text());
    }

    [Fact]
    public async Task Get_TwoRuns_ShowsSummaryRowsAndLossChart()
    {
        string dir = _directory.File("training");
        Directory.CreateDirectory(Path.Combine(dir, "a"));
        Directory.CreateDirectory(Path.Combine(dir, "b"));
        await File.WriteAllLinesAsync(Path.Combine(dir, "a", "metrics.jsonl"),
        [
            """{"step":1,"loss":9.5,"lr":0.0001,"tokens_per_s":1000,"tokens":4096,"elapsed_s":4}""",
            """{"step":2,"loss":8.25,"lr":0.0002,"tokens_per_s":1100,"tokens":8192,"elapsed_s":8,"val_loss":8.5}""",
        ]);
        await File.WriteAllTextAsync(Path.Combine(dir, "b", "metrics.jsonl"), """{"step":1,"loss":7,"lr":0.001,"tokens_per_s":500,"tokens":100,"elapsed_s":1}""" + "\n{\"step\":2,\"lo");

        (_, string body) = await TestHttp.GetAsync(_directory.File("results.db"), "/training", dir);

        IDocument page = Html.Parse(body);
        List<string[]> rows = page.Rows("#training-table");
        Assert.Equal(["a", "2", "8.2500", "8.5000", "0.0002", "8,192", "1,024", "8.0 s"], rows[0][..8]);
        Assert.Equal(["b 1 skipped", "1", "7.0000", "—", "0.001", "100", "100", "1.0 s"], rows[1][..8]);
        string chart = page.QuerySelector("canvas#loss-chart")!.GetAttribute("data-chart")!;
        Assert.Contains("{\"label\":\"a loss\",\"data\":[{\"x\":1,\"y\":9.5},{\"x\":2,\"y\":8.25}]", chart, StringComparison.Ordinal);
        Assert.Contains("{\"label\":\"a val loss\",\"data\":[{\"x\":2,\"y\":8.5}]", chart, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
