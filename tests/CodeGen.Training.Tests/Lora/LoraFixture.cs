using System.Text.Json;
using CodeGen.TestUtils;
using CodeGen.Training.Lora;

namespace CodeGen.Training.Tests.Lora;

/// <summary>A tiny random base model with the fixture tokenizer and a JSONL of prompt/completion pairs of varied lengths.</summary>
internal static class LoraFixture
{
    public static string Base(string root) => TinyModels.SaveServable(Path.Combine(root, "base"), seed: 11);

    // Pairs whose completions differ in length, so workers' slices hold different numbers of target tokens.
    public static string Pairs(string root, int count = 40)
    {
        string path = Path.Combine(root, "pairs.jsonl");
        string[] names = ["alpha", "beta", "gamma", "delta", "sigma", "kappa"];
        File.WriteAllLines(path, Enumerable.Range(0, count).Select(i =>
        {
            string name = names[i % names.Length];
            string prompt = $"def {name}_{i}(x):\n";
            string completion = string.Concat(Enumerable.Repeat($"    x = x + {i % 7}\n", 1 + i % 5)) + "    return x\n";
            return JsonSerializer.Serialize(new { prompt, completion });
        }));
        return path;
    }

    public static LoraOptions Options(string baseDir, string data, string output) => new()
    {
        Base = baseDir,
        Data = data,
        Output = output,
        Steps = 6,
        Rank = 4,
        Alpha = 8,
        BatchSize = 4,
        SeqLen = 48,
        LearningRate = 1e-2,
        Warmup = 2,
        EvalEvery = 3,
        CheckpointEvery = 2,
        ChecksumEvery = 2,
        ValidationFraction = 0.1,
        Threads = 1,
        Seed = 3,
    };

    /// <summary>The "loss" of each line of OUTPUT/metrics.jsonl.</summary>
    public static double[] Losses(string output) =>
        [.. File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(line => JsonDocument.Parse(line).RootElement.GetProperty("loss").GetDouble())];
}
