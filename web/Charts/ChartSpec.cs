using System.Text.Json;
using System.Text.Json.Nodes;

namespace CodeGen.Web.Charts;

// A chart the page draws with Chart.js: the server writes its whole Chart.js configuration as JSON into the
// canvas's data-chart attribute and wwwroot/dashboard.js hands it to Chart.js as is.
// Type: Chart.js chart type (line, bar, doughnut). Labels: the category axis (null with a numeric x axis).
// XTitle, YTitle: axis titles. YMin, YMax: fixed y range (pass rates: 0 to 1).
public sealed record ChartSpec(
    string Type,
    IReadOnlyList<string>? Labels,
    IReadOnlyList<ChartDataset> Datasets,
    string? XTitle = null,
    string? YTitle = null,
    double? YMin = null,
    double? YMax = null)
{
    // A small qualitative palette for series without colours of their own (Tableau 10).
    public static readonly IReadOnlyList<string> Palette =
        ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

    public string ToJson()
    {
        bool numericX = Labels is null;
        var datasets = new JsonArray();
        for (int i = 0; i < Datasets.Count; i++)
        {
            ChartDataset series = Datasets[i];
            string color = series.Color ?? Palette[i % Palette.Count];
            JsonNode data = series.Points is not null
                ? new JsonArray([.. series.Points.Select(p => (JsonNode)new JsonObject { ["x"] = p.X, ["y"] = p.Y })])
                : new JsonArray([.. (series.Values ?? []).Select(v => (JsonNode?)(v is double d ? JsonValue.Create(d) : null))]);
            var dataset = new JsonObject
            {
                ["label"] = series.Label,
                ["data"] = data,
                ["borderColor"] = series.Colors is null ? color : new JsonArray([.. series.Colors.Select(c => (JsonNode)c)]),
                ["backgroundColor"] = series.Colors is null ? color : new JsonArray([.. series.Colors.Select(c => (JsonNode)c)]),
            };
            if (Type == "line")
            {
                dataset["spanGaps"] = true;
                dataset["pointRadius"] = (series.Points?.Count ?? series.Values?.Count ?? 0) > 200 ? 0 : 2;
                dataset["borderWidth"] = 1.5;
                if (series.Dashed)
                {
                    dataset["borderDash"] = new JsonArray(6, 3);
                }
            }

            datasets.Add(dataset);
        }

        var options = new JsonObject
        {
            ["animation"] = false,
            ["responsive"] = true,
            ["maintainAspectRatio"] = false,
            ["plugins"] = new JsonObject { ["legend"] = new JsonObject { ["display"] = Type != "bar" } },
        };
        if (Type != "doughnut")
        {
            var y = new JsonObject { ["title"] = Title(YTitle) };
            if (Type == "bar")
            {
                // Bars count things: whole-number ticks.
                y["ticks"] = new JsonObject { ["precision"] = 0 };
            }

            if (YMin is double min)
            {
                y["min"] = min;
            }

            if (YMax is double max)
            {
                y["max"] = max;
            }

            var x = new JsonObject { ["title"] = Title(XTitle) };
            if (numericX)
            {
                x["type"] = "linear";
            }

            options["scales"] = new JsonObject { ["x"] = x, ["y"] = y };
        }

        var config = new JsonObject
        {
            ["type"] = Type,
            ["data"] = new JsonObject
            {
                ["labels"] = Labels is null ? null : new JsonArray([.. Labels.Select(l => (JsonNode)l)]),
                ["datasets"] = datasets,
            },
            ["options"] = options,
        };
        return config.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
    }

    private static JsonObject Title(string? text) => new() { ["display"] = text is not null, ["text"] = text ?? "" };
}
