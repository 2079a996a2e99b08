using System.Text.Json.Nodes;

namespace CodeGen.Training.Checkpoints;

/// <summary>
/// A run's metrics.jsonl in the dashboard's format (web/Training/MetricsPoint.cs): one line per step with step, loss, lr,
/// tokens_per_s, tokens, elapsed_s, and the validation fields when computed. Pretraining and LoRA write the same file.
/// </summary>
internal static class MetricsLog
{
    /// <summary>The fields every step's line has; callers add validation fields before <see cref="Append"/>.</summary>
    public static JsonObject Line(int step, double loss, double lr, double tokensPerSecond, long tokens, double elapsed) => new()
    {
        ["step"] = step,
        ["loss"] = loss,
        ["lr"] = lr,
        ["tokens_per_s"] = Math.Round(tokensPerSecond, 1),
        ["tokens"] = tokens,
        ["elapsed_s"] = Math.Round(elapsed, 3), // milliseconds: a tiny model's first step can take under 5 ms
    };

    public static void Append(string path, JsonObject line) => File.AppendAllText(path, line.ToJsonString() + "\n");

    /// <summary>Drops the lines of steps after <paramref name="step"/> (a resumed run writes them again).</summary>
    public static void Truncate(string path, int step)
    {
        if (!File.Exists(path)) return;
        var kept = File.ReadAllLines(path).Where(line => line.Length > 0 && JsonNode.Parse(line)?["step"]?.GetValue<int>() <= step).ToArray();
        File.WriteAllLines(path, kept);
    }
}
