using Bunit;
using CodeGen.Web.Components.Dashboard;
using CodeGen.Web.Runs;

namespace CodeGen.Web.Tests.Components;

public sealed class ProblemTableTests : IDisposable
{
    private readonly BunitContext _context = new();

    [Fact]
    public void Render_ProblemWithSlashInId_ShowsCountsAndEscapesTheLink()
    {
        var row = new ProblemRow("HumanEval/12", 4, 3, [("passed", 3), ("timeout", 1)], 1520);

        IRenderedComponent<ProblemTable> table = _context.Render<ProblemTable>(p => p.Add(t => t.RunId, 5).Add(t => t.Rows, [row]));

        Assert.Equal(["HumanEval/12", "4", "3", "75%", "passed 3 timeout 1", "1.52 s"], table.FindAll("tbody td").Select(td => td.Text()).ToArray());
        Assert.Equal("/runs/5/sample?problem=HumanEval%2F12&index=0", table.Find("tbody a").GetAttribute("href"));
        Assert.Equal(["badge text-bg-success me-1", "badge text-bg-warning me-1"], table.FindAll("tbody .badge").Select(b => b.ClassName!).ToArray());
    }

    [Fact]
    public void CodeBlock_CompletionWithMarkup_RendersTextForTheHighlighter()
    {
        IRenderedComponent<CodeBlock> block = _context.Render<CodeBlock>(p => p.Add(c => c.Text, "x = '<script>alert(1)</script>'").Add(c => c.Language, "python"));

        Assert.Empty(block.FindAll("script"));
        Assert.Equal("x = '<script>alert(1)</script>'", block.Find("code.language-python").TextContent);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", block.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void Pager_Page5Of9_ShowsWindowWithGaps()
    {
        IRenderedComponent<Pager> pager = _context.Render<Pager>(p => p.Add(x => x.Page, 5).Add(x => x.PageCount, 9).Add(x => x.Href, n => $"/?page={n}"));

        Assert.Equal(["Previous", "1", "…", "3", "4", "5", "6", "7", "…", "9", "Next"], pager.FindAll(".page-link").Select(a => a.Text()).ToArray());
        Assert.Equal("page", pager.Find(".active a").GetAttribute("aria-current"));
        Assert.Equal("/?page=4", pager.Find("a[rel=prev]").GetAttribute("href"));
    }

    [Fact]
    public void Pager_SinglePage_RendersNothing()
    {
        IRenderedComponent<Pager> pager = _context.Render<Pager>(p => p.Add(x => x.Page, 1).Add(x => x.PageCount, 1).Add(x => x.Href, n => ""));

        Assert.Empty(pager.Markup.Trim());
    }

    public void Dispose() => _context.Dispose();
}
