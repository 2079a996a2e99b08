using Bunit;
using CodeGen.Web.Components.Dashboard;
using CodeGen.Web.Runs;

namespace CodeGen.Web.Tests.Components;

public sealed class RunsTableTests : IDisposable
{
    private static readonly RunRow Finished = new(7, "lora-<b>run</b>", "tiny", "lora-v1", "humaneval", new DateTimeOffset(2025, 3, 4, 5, 6, 0, TimeSpan.Zero), 1640, 0.3125, 10, 0.5, TimeSpan.FromSeconds(42.25), "abcdef0123456789");
    private static readonly RunRow Running = new(8, "live", "(oracle)", null, "mbpp", new DateTimeOffset(2025, 3, 5, 0, 0, 0, TimeSpan.Zero), 3, null, null, null, null, null);

    private readonly BunitContext _context = new();

    [Fact]
    public void Render_TwoRuns_ShowsEveryColumnFormatted()
    {
        IRenderedComponent<RunsTable> table = Render(RunsQuery.From(null, null, null, null, null, null, null));

        Assert.Equal(
            [
                ["", "lora-<b>run</b>", "tiny", "lora-v1", "humaneval", "2025-03-04 05:06", "1,640", "0.313", "0.500 (k=10)", "42.3 s", "abcdef0123"],
                ["", "live", "(oracle)", "—", "mbpp", "2025-03-05 00:00", "3", "—", "—", "running", "—"],
            ],
            table.FindAll("tbody tr").Select(tr => tr.QuerySelectorAll("td").Select(td => td.Text()).ToArray()).ToList());
        Assert.Equal("/runs/7", table.Find("tbody a").GetAttribute("href"));
        Assert.Equal("7", table.Find("tbody input[type=checkbox]").GetAttribute("value"));
    }

    [Fact]
    public void Render_SortedByPassAt1Descending_MarksThatHeaderAndLinksTheFlip()
    {
        IRenderedComponent<RunsTable> table = Render(RunsQuery.From("x", "humaneval", null, "pass1", "desc", 3, null));

        var pass1 = table.FindAll("thead th").Single(th => th.Text().StartsWith("pass@1", StringComparison.Ordinal));
        Assert.Equal("pass@1 ▼", pass1.Text());
        Assert.Equal("descending", pass1.GetAttribute("aria-sort"));
        // Flipping keeps the filters and goes back to page 1.
        Assert.Equal("/?q=x&benchmark=humaneval&sort=pass1&dir=asc", pass1.QuerySelector("a")!.GetAttribute("href"));
        var name = table.FindAll("thead th").Single(th => th.Text() == "Run");
        Assert.Equal("/?q=x&benchmark=humaneval&sort=name&dir=asc", name.QuerySelector("a")!.GetAttribute("href"));
    }

    public void Dispose() => _context.Dispose();

    private IRenderedComponent<RunsTable> Render(RunsQuery query) =>
        _context.Render<RunsTable>(p => p.Add(t => t.Rows, [Finished, Running]).Add(t => t.Query, query));
}
