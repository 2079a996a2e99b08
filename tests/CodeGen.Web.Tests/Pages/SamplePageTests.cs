using System.Net;
using AngleSharp.Dom;

namespace CodeGen.Web.Tests.Pages;

public sealed class SamplePageTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task Get_CompletionWithScriptTag_ShowsItAsTextAndAddsNoScript()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/2/sample?problem=HumanEval%2F3&index=0");

        Assert.Equal(HttpStatusCode.OK, status);
        IDocument page = Html.Parse(body);
        Assert.Equal(DemoStore.ScriptCompletion, page.QuerySelector("pre[aria-label=Completion] code")!.TextContent);
        // Only the page's own three scripts: the completion's script tag stayed text.
        Assert.Equal(
            ["lib/chart.js/chart.umd.min.js", "lib/highlight.js/highlight.min.js", "dashboard.js"],
            page.QuerySelectorAll("script").Select(s => s.GetAttribute("src") ?? "(inline)").ToArray());
        Assert.Contains("&lt;script&gt;document.title=", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_HumanEvalSample_ShowsPromptTestsOutputAndDuration()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/2/sample?problem=HumanEval%2F1&index=0");

        IDocument page = Html.Parse(body);
        Assert.Equal("HumanEval/1 sample 0", page.QuerySelector("h1")!.Text());
        Assert.Equal("passed exit code 0 duration 120 ms prompt hash 0000000000000000", page.QuerySelector("#sample-outcome")!.Text());
        string prompt = page.QuerySelector("pre[aria-label=Prompt] code")!.TextContent;
        Assert.StartsWith("from typing import List\n\n\ndef separate_paren_groups(paren_string: str) -> List[str]:", prompt, StringComparison.Ordinal);
        Assert.Equal("language-python", page.QuerySelector("pre[aria-label=Prompt] code")!.ClassName);
        Assert.EndsWith("check(separate_paren_groups)", page.QuerySelector("pre[aria-label=Tests] code")!.TextContent, StringComparison.Ordinal);
        Assert.Equal("hello from stdout", page.QuerySelector("pre[aria-label='Standard output']")!.TextContent);
        Assert.Equal("(empty)", page.QuerySelector("[aria-label='Standard error']")!.Text());
        // The seeded prompt hash is not HumanEval/1's, so the page says the prompt has changed since.
        Assert.Contains("This sample was run with a different prompt", page.QuerySelector(".alert-warning")!.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_ProblemWithTwoSamples_LinksBothWithTheirStatuses()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (_, string body) = await TestHttp.GetAsync(dbPath, "/runs/3/sample?problem=12&index=1");

        IDocument page = Html.Parse(body);
        Assert.Equal(["#0 runtime error", "#1 failed"], page.QuerySelectorAll("nav[aria-label='Samples of this problem'] a").Select(a => a.Text()).ToArray());
        Assert.Equal("#1 failed", page.QuerySelector("nav[aria-label='Samples of this problem'] a[aria-current=page]")!.Text());
    }

    [Fact]
    public async Task Get_MissingSample_Is404WithTheNotFoundPageNamingTheSample()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/1/sample?problem=HumanEval%2F0&index=5");

        Assert.Equal(HttpStatusCode.NotFound, status);
        IDocument page = Html.Parse(body);
        Assert.Equal("Sample not found", page.QuerySelector("main h1#not-found")!.Text());
        Assert.Equal("Run 1 has no sample 5 of problem HumanEval/0. Back to the run", page.QuerySelector("main p")!.Text());
        Assert.Equal("/runs/1", page.QuerySelector("main p a")!.GetAttribute("href"));
    }

    [Fact]
    public async Task Get_SampleOfUnknownRun_Is404()
    {
        string dbPath = DemoStore.Create(_directory.File("results.db"));

        (HttpStatusCode status, string body) = await TestHttp.GetAsync(dbPath, "/runs/77/sample?problem=HumanEval%2F0&index=0");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("Run 77 has no sample 0 of problem HumanEval/0. Back to the run", Html.Parse(body).QuerySelector("main p")!.Text());
    }

    public void Dispose() => _directory.Dispose();
}
