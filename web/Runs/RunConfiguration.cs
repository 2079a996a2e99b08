using System.Text.Json;

namespace CodeGen.Web.Runs;

// The few fields of a run's configuration JSON that the dashboard shows (eval run writes it; older runs may
// lack fields, and anything unparsable reads as empty).
// Source: where completions came from ("server", "oracle", "file").
// Adapter: the LoRA adapter, when the run records one.
// SamplesPerProblem: --samples.
// Temperature: --temperature.
internal sealed record RunConfiguration(string? Source, string? Adapter, int? SamplesPerProblem, double? Temperature)
{
    public static RunConfiguration Parse(string json)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new RunConfiguration(null, null, null, null);
            }

            return new RunConfiguration(
                String(root, "source"),
                String(root, "adapter"),
                root.TryGetProperty("samples", out JsonElement samples) && samples.TryGetInt32(out int n) ? n : null,
                root.TryGetProperty("temperature", out JsonElement t) && t.TryGetDouble(out double temperature) ? temperature : null);
        }
        catch (JsonException)
        {
            return new RunConfiguration(null, null, null, null);
        }
    }

    private static string? String(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
