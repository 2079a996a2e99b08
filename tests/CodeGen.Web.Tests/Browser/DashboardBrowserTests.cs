using Microsoft.Playwright;

namespace CodeGen.Web.Tests.Browser;

// End to end in Debian's chromium: what a person sees and clicks. Screenshots land in the test output's
// screenshots/ folder.
[Collection(BrowserCollection.Name)]
public sealed class DashboardBrowserTests(BrowserFixture fixture)
{
    [Fact]
    public async Task RunsPage_ClickPassAt1Header_SortsBestFirstThenFlips()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        await page.GotoAsync("/");
        Assert.Equal(["in-progress", "mbpp-run", "finetuned", "baseline"], await RunNamesAsync(page));

        await page.GetByRole(AriaRole.Link, new() { Name = "pass@1", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/?sort=pass1&dir=desc");
        Assert.Equal(["finetuned", "baseline", "mbpp-run", "in-progress"], await RunNamesAsync(page));
        Assert.Equal("pass@1 ▼", (await page.Locator("th[aria-sort]").InnerTextAsync()).Trim());
        await BrowserFixture.ScreenshotAsync(page, "runs-sorted-by-pass1");

        await page.GetByRole(AriaRole.Link, new() { Name = "pass@1 ▼" }).ClickAsync();
        await page.WaitForURLAsync("**/?sort=pass1&dir=asc");
        Assert.Equal(["mbpp-run", "baseline", "finetuned", "in-progress"], await RunNamesAsync(page));
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task RunPage_OpenFromRunsTable_ShowsPassAt1ChartAndProblems()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByRole(AriaRole.Link, new() { Name = "baseline", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/runs/1");

        Assert.Equal("baseline", await page.Locator("h1").InnerTextAsync());
        Assert.Equal("pass@1\n0.500", await page.Locator("#pass-at-k .card").InnerTextAsync());
        Assert.True(await page.EvaluateAsync<bool>("() => Chart.getChart(document.getElementById('status-chart')) !== undefined"), "the status chart is drawn");
        Assert.Equal(4, await page.Locator("#problems-table tbody tr").CountAsync());

        await page.GetByLabel("Outcome").SelectOptionAsync("unsolved");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await page.WaitForURLAsync("**/runs/1?status=&outcome=unsolved&q=");
        Assert.Equal(["HumanEval/1", "HumanEval/3"], await page.Locator("#problems-table tbody tr td:first-child").AllInnerTextsAsync());
        await BrowserFixture.ScreenshotAsync(page, "run-baseline-unsolved");
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    // A bookmarked run that is gone: the browser gets 404 and the not-found page in the dashboard's layout, whose
    // link leads back to the runs. (Chromium logs the 404 document load itself as a console error; nothing else.)
    [Fact]
    public async Task UnknownRun_Is404WithTheNotFoundPageLinkingBackToTheRuns()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        IResponse? response = await page.GotoAsync("/runs/999");

        Assert.NotNull(response);
        Assert.Equal(404, response.Status);
        Assert.Equal("Run not found", await page.Locator("h1").InnerTextAsync());
        Assert.StartsWith("There is no run with id 999 in ", await page.Locator("main p").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal("CodeGen: not found", await page.TitleAsync());
        Assert.True(await page.Locator("nav.navbar").IsVisibleAsync(), "the dashboard's navigation bar is shown");
        await BrowserFixture.ScreenshotAsync(page, "run-not-found");

        await page.GetByRole(AriaRole.Link, new() { Name = "All runs" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
        Assert.Equal(4, (await RunNamesAsync(page)).Length);
        Assert.All(errors, e => Assert.Contains("404", e, StringComparison.Ordinal));
        await page.CloseAsync();
    }

    [Fact]
    public async Task SamplePage_CompletionWithScriptTag_ShowsHighlightedTextAndRunsNothing()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        await page.GotoAsync("/runs/2");
        await page.GetByRole(AriaRole.Link, new() { Name = "HumanEval/3" }).ClickAsync();
        await page.WaitForURLAsync("**/runs/2/sample?problem=HumanEval%2F3&index=0");

        ILocator completion = page.Locator("pre[aria-label=Completion] code");
        Assert.Equal(DemoStore.ScriptCompletion, await completion.TextContentAsync());
        Assert.Contains("hljs", await completion.GetAttributeAsync("class") ?? "", StringComparison.Ordinal);
        Assert.True(await completion.Locator("span.hljs-string").CountAsync() > 0, "the string literal is highlighted");
        Assert.Equal("CodeGen: HumanEval/3", await page.TitleAsync());
        Assert.StartsWith("from typing import List", await page.Locator("pre[aria-label=Prompt] code").TextContentAsync() ?? "", StringComparison.Ordinal);
        Assert.True(await page.Locator("pre[aria-label=Completion]").IsVisibleAsync());
        Assert.True(await page.Locator("pre[aria-label=Tests]").IsVisibleAsync());
        await BrowserFixture.ScreenshotAsync(page, "sample-with-script-tag");
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task ComparePage_TickTwoRuns_ShowsDeltaAndFlippedProblems()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        await page.GotoAsync("/");
        await page.GetByLabel("Compare finetuned").CheckAsync();
        await page.GetByLabel("Compare baseline").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Compare selected" }).ClickAsync();
        await page.WaitForURLAsync("**/compare?**");

        Assert.Equal("+0.250", await page.Locator("#compare-delta").InnerTextAsync());
        Assert.Equal(["HumanEval/1", "HumanEval/3"], await page.Locator("#fixed a").AllInnerTextsAsync());
        Assert.Equal(["HumanEval/2"], await page.Locator("#broken a").AllInnerTextsAsync());
        Assert.Equal(4, await page.Locator("#compare-grid tbody tr").CountAsync());
        await BrowserFixture.ScreenshotAsync(page, "compare-baseline-finetuned");

        await page.GetByRole(AriaRole.Link, new() { Name = "Show only changed ones" }).ClickAsync();
        await page.WaitForURLAsync("**&show=changed");
        Assert.Equal(3, await page.Locator("#compare-grid tbody tr").CountAsync());
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    [Fact]
    public async Task TrendsAndTrainingPages_DrawTheirCharts()
    {
        (IPage page, List<string> errors) = await fixture.NewPageAsync();

        await page.GotoAsync("/trends");
        Assert.Equal(2, await page.EvaluateAsync<int>("() => Chart.getChart(document.getElementById('trend-chart')).data.datasets.length"));
        await BrowserFixture.ScreenshotAsync(page, "trends");

        await page.GetByRole(AriaRole.Link, new() { Name = "Training" }).ClickAsync();
        await page.WaitForURLAsync("**/training");
        Assert.Equal(["tiny loss", "tiny val loss"], await page.EvaluateAsync<string[]>("() => Chart.getChart(document.getElementById('loss-chart')).data.datasets.map(d => d.label)"));
        Assert.Equal("tiny", await page.Locator("#training-table tbody td").First.InnerTextAsync());
        await BrowserFixture.ScreenshotAsync(page, "training");
        Assert.Empty(errors);
        await page.CloseAsync();
    }

    private static async Task<string[]> RunNamesAsync(IPage page) =>
        [.. await page.Locator("#runs-table tbody tr td:nth-child(2)").AllInnerTextsAsync()];
}
