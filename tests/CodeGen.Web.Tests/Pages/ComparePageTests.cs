using AngleSharp.Dom;

namespace CodeGen.Web.Tests.Pages;

public sealed class ComparePageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_BaselineAgainstFinetuned_ShowsPassAt1FlipsAndGrid()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/compare?run=1&run=2");

        IDocument page = Html.Parse(body);
        Assert.Equal(
            ["A: baseline pass@1 0.500", "B: finetuned pass@1 0.750", "B − A +0.250"],
            page.QuerySelectorAll("#compare-summary .card").Select(c => c.Text()).ToArray());
        Assert.Equal(["HumanEval/1", "HumanEval/3"], page.QuerySelectorAll("#fixed a").Select(a => a.Text()).ToArray());
        Assert.Equal(["HumanEval/2"], page.QuerySelectorAll("#broken a").Select(a => a.Text()).ToArray());
        Assert.Equal(
            [
                ["HumanEval/0", "100%", "100%", ""],
                ["HumanEval/1", "0%", "100%", "fixed"],
                ["HumanEval/2", "100%", "0%", "broken"],
                ["HumanEval/3", "0%", "100%", "fixed"],
            ],
            page.Rows("#compare-grid"));
    }

    [Fact]
    public async Task Get_ChangedOnly_HidesUnchangedProblems()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/compare?run=1&run=2&show=changed");

        Assert.Equal(["HumanEval/1", "HumanEval/2", "HumanEval/3"], Html.Parse(body).Rows("#compare-grid").Select(r => r[0]).ToArray());
    }

    [Fact]
    public async Task Get_DifferentBenchmarks_WarnsAndListsProblemsOfEach()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/compare?run=1&run=3");

        IDocument page = Html.Parse(body);
        Assert.Equal(
            "These runs are on different benchmarks (humaneval and mbpp): only problems with the same id are compared.",
            page.QuerySelector(".alert-warning")!.Text());
        Assert.Equal(["only in A", "only in A", "only in A", "only in A", "only in B", "only in B"], page.Rows("#compare-grid").Select(r => r[3]).ToArray());
    }

    [Fact]
    public async Task Get_NoRunsChosen_PreselectsTheTwoNewestRuns()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/compare");

        IDocument page = Html.Parse(body);
        Assert.Equal("mbpp-run (mbpp)", page.QuerySelector("#run-a option[selected]")!.Text());
        Assert.Equal("in-progress (humaneval)", page.QuerySelector("#run-b option[selected]")!.Text());
        Assert.Null(page.QuerySelector("#compare-grid"));
    }

    public void Dispose() => _directory.Dispose();
}
