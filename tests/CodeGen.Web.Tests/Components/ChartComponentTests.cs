using System.Text.Json;
using Bunit;
using CodeGen.Web.Charts;
using CodeGen.Web.Components.Dashboard;

namespace CodeGen.Web.Tests.Components;

public sealed class ChartComponentTests : IDisposable
{
    private readonly BunitContext _context = new();

    [Fact]
    public void StatusChart_ThreeStatuses_ListsCountsAndDescribesABarPerStatus()
    {
        IRenderedComponent<StatusChart> chart = _context.Render<StatusChart>(p => p.Add(c => c.Counts, [("passed", 6), ("compile_error", 3), ("timeout", 1)]));

        Assert.Equal(["passed 6 (60%)", "compile error 3 (30%)", "timeout 1 (10%)"], chart.FindAll("li.status-count").Select(li => li.Text()).ToArray());
        using JsonDocument config = JsonDocument.Parse(chart.Find("canvas").GetAttribute("data-chart")!);
        JsonElement root = config.RootElement;
        Assert.Equal("bar", root.GetProperty("type").GetString());
        Assert.Equal(["passed", "compile error", "timeout"], root.GetProperty("data").GetProperty("labels").EnumerateArray().Select(l => l.GetString()!).ToArray());
        JsonElement dataset = root.GetProperty("data").GetProperty("datasets")[0];
        Assert.Equal([6.0, 3.0, 1.0], dataset.GetProperty("data").EnumerateArray().Select(v => v.GetDouble()).ToArray());
        Assert.Equal(["#198754", "#6f42c1", "#ffc107"], dataset.GetProperty("backgroundColor").EnumerateArray().Select(v => v.GetString()!).ToArray());
    }

    [Fact]
    public void ChartCanvas_LabelWithMarkup_StaysInsideTheAttributeAsJson()
    {
        var spec = new ChartSpec("line", ["<script>x</script>"], [new ChartDataset("a\"b", Values: [1, null])], XTitle: "x", YTitle: "y", YMin: 0, YMax: 1);

        IRenderedComponent<ChartCanvas> canvas = _context.Render<ChartCanvas>(p => p.Add(c => c.Spec, spec).Add(c => c.Id, "c1").Add(c => c.Label, "demo"));

        Assert.Empty(canvas.FindAll("script"));
        using JsonDocument config = JsonDocument.Parse(canvas.Find("canvas#c1").GetAttribute("data-chart")!);
        Assert.Equal("<script>x</script>", config.RootElement.GetProperty("data").GetProperty("labels")[0].GetString());
        JsonElement dataset = config.RootElement.GetProperty("data").GetProperty("datasets")[0];
        Assert.Equal("a\"b", dataset.GetProperty("label").GetString());
        Assert.Equal(JsonValueKind.Null, dataset.GetProperty("data")[1].ValueKind);
        Assert.Equal(1, config.RootElement.GetProperty("options").GetProperty("scales").GetProperty("y").GetProperty("max").GetDouble());
        Assert.Equal("demo", canvas.Find("canvas").GetAttribute("aria-label"));
    }

    public void Dispose() => _context.Dispose();
}
