using System.Net;
using AngleSharp.Dom;

namespace CodeGen.Web.Tests.Pages;

public sealed class RunPageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_Run_ShowsPassAtKStatusCountsAndProblems()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/3");

        Assert.Equal(HttpStatusCode.OK, status);
        IDocument page = Html.Parse(body);
        Assert.Equal("mbpp-run", page.QuerySelector("h1")!.Text());
        Assert.Equal(["pass@1 0.250", "pass@2 0.500"], page.QuerySelectorAll("#pass-at-k .card").Select(c => c.Text()).ToArray());
        Assert.Equal(
            ["passed 1 (25%)", "failed 2 (50%)", "runtime error 1 (25%)"],
            page.QuerySelectorAll("li.status-count").Select(li => li.Text()).ToArray());
        Assert.Equal(
            [["11", "2", "1", "50%", "passed 1 failed 1", "120 ms"], ["12", "2", "0", "0%", "failed 1 runtime error 1", "120 ms"]],
            page.Rows("#problems-table"));
        Assert.Equal("/runs/3/sample?problem=11&index=0", page.QuerySelector("#problems-table a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Get_Run_ChartCarriesTheStatusCounts()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/1");

        string chart = Html.Parse(body).QuerySelector("canvas#status-chart")!.GetAttribute("data-chart")!;
        Assert.Contains("\"labels\":[\"passed\",\"failed\",\"timeout\"]", chart, StringComparison.Ordinal);
        Assert.Contains("\"data\":[2,1,1]", chart, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?status=failed", new[] { "HumanEval/1" })]
    [InlineData("?outcome=solved", new[] { "HumanEval/0", "HumanEval/2" })]
    [InlineData("?outcome=unsolved&q=3", new[] { "HumanEval/3" })]
    public async Task Get_RunWithFilters_ListsMatchingProblems(string query, string[] problems)
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/1" + query);

        IDocument page = Html.Parse(body);
        Assert.Equal(problems, page.Rows("#problems-table").Select(r => r[0]).ToArray());
        Assert.Equal($"{problems.Length} of 4 problems.", page.QuerySelector("#problems-count")!.Text());
    }

    [Fact]
    public async Task Get_UnfinishedRun_ShowsPassAt1SoFar()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/4");

        IDocument page = Html.Parse(body);
        Assert.Equal(["pass@1 so far (from samples) 1.000"], page.QuerySelectorAll("#pass-at-k .card").Select(c => c.Text()).ToArray());
        Assert.Contains("Duration not finished (running or interrupted)", page.QuerySelector("dl")!.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UnknownRun_Is404WithTheNotFoundPageNamingTheRun()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/77");

        Assert.Equal(HttpStatusCode.NotFound, status);
        IDocument page = Html.Parse(body);
        Assert.Equal("Run not found", page.QuerySelector("main h1#not-found")!.Text());
        Assert.Equal($"There is no run with id 77 in {dbPath}. All runs", page.QuerySelector("main p")!.Text());
        Assert.Equal("/", page.QuerySelector("main p a")!.GetAttribute("href"));
        Assert.NotNull(page.QuerySelector("nav.navbar")); // the layout around it
    }

    [Fact]
    public async Task Get_UrlOfNoPage_Is404WithTheNotFoundPageNamingThePath()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/no/such/page?x=1");

        Assert.Equal(HttpStatusCode.NotFound, status);
        IDocument page = Html.Parse(body);
        Assert.Equal("Page not found", page.QuerySelector("main h1#not-found")!.Text());
        Assert.Equal("There is no page at /no/such/page?x=1. All runs", page.QuerySelector("main p")!.Text());
    }

    [Fact]
    public async Task Get_RunOfThreeHundredProblems_ShowsPageTwoOfThree()
    {
        string dbPath = _directory.File("results.db");
        using (SeededStore store = SeededStore.Create(dbPath))
        {
            long run = store.AddRun("big", passAtK: new Dictionary<int, double> { [1] = 0.5 });
            for (int i = 0; i < 300; i++)
            {
                store.AddSample(run, $"HumanEval/{i}", 0, i % 2 == 0 ? "passed" : "failed");
            }
        }

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/1?page=2");

        IDocument page = Html.Parse(body);
        Assert.Equal("300 of 300 problems, page 2 of 3.", page.QuerySelector("#problems-count")!.Text());
        List<string[]> rows = page.Rows("#problems-table");
        Assert.Equal(100, rows.Count);
        Assert.Equal("HumanEval/100", rows[0][0]);
    }

    [Fact]
    public async Task Get_RunWithPromptsTooLong_CountsThemUnderTheirOwnLabel()
    {
        string dbPath = _directory.File("long.db");
        using (SeededStore store = SeededStore.Create(dbPath))
        {
            long run = store.AddRun("humaneval-cs-512", benchmark: "humaneval-cs", passAtK: new Dictionary<int, double> { [1] = 0 });
            store.AddSample(run, "HumanEval_0", 0, "prompt_too_long", completion: "", stderr: "prompt_too_long: prompt 706 tokens + max_tokens 128 > context 512 tokens", durationMs: 0);
            store.AddSample(run, "HumanEval_1", 0, "prompt_too_long", completion: "", stderr: "prompt_too_long: prompt 530 tokens + max_tokens 128 > context 512 tokens", durationMs: 0);
            store.AddSample(run, "HumanEval_2", 0, "compile_error");
        }

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/1");

        Assert.Equal(HttpStatusCode.OK, status);
        IDocument page = Html.Parse(body);
        Assert.Equal(["compile error 1 (33.3%)", "prompt too long 2 (66.7%)"], page.QuerySelectorAll("li.status-count").Select(li => li.Text()).ToArray());
        Assert.Contains("\"labels\":[\"compile error\",\"prompt too long\"]", page.QuerySelector("canvas#status-chart")!.GetAttribute("data-chart")!, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Dispose();
}
