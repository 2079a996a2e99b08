using System.CommandLine;
using System.Diagnostics;
using CodeGen.Model;
using CodeGen.Model.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// What draft-model speculation would buy on a larger target: the measured cost of a plain decode step, of a
/// verification step over k + 1 positions and of a draft step (random weights, one sequence), put into the standard
/// expected-speedup formula for acceptance rates measured elsewhere (Leviathan et al. 2023): an iteration drafts k
/// tokens and verifies them in one target step, yields (1 − α^(k+1)) / (1 − α) tokens on average, and costs
/// k · T_draft + T_verify(k + 1); plain decoding costs T_target per token.
/// </summary>
internal static class SpeculationCostBenchmark
{
    public static Command Create()
    {
        Option<string> target = new("--target") { Description = "Target shape: 0.5b, 1.5b or tiny.", DefaultValueFactory = _ => "0.5b" };
        Option<int> draftHidden = new("--draft-hidden") { Description = "Draft width (the draft has the target's vocabulary).", DefaultValueFactory = _ => 128 };
        Option<int> draftLayers = new("--draft-layers") { Description = "Draft layers.", DefaultValueFactory = _ => 2 };
        Option<int> prompt = new("--prompt") { Description = "Positions already in the KV cache.", DefaultValueFactory = _ => 256 };
        Option<int> steps = new("--steps") { Description = "Timed steps per measurement (median reported).", DefaultValueFactory = _ => 12 };
        Option<int> maxK = new("--max-k") { Description = "Largest draft length.", DefaultValueFactory = _ => 8 };
        Option<string> acceptance = new("--acceptance") { Description = "Comma-separated acceptance rates α to evaluate (measured with bench/scripts/decoding-ab.py or the server's metrics).", DefaultValueFactory = _ => "0.4,0.5,0.6,0.7,0.8" };
        Option<int> threads = new("--threads") { Description = "Torch intra-op threads (0 = torch default).", DefaultValueFactory = _ => 0 };
        var command = new Command("spec-cost", "Verify-step and draft-step costs on a target shape and the expected draft-model speedup at given acceptance rates.")
        {
            target, draftHidden, draftLayers, prompt, steps, maxK, acceptance, threads,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is int t and > 0) set_num_threads(t);
            double[] alphas = parse.GetValue(acceptance)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(a => double.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (alphas.Any(a => a is <= 0 or >= 1)) throw new ArgumentException("--acceptance values must be in (0, 1)");
            Run(ModelShapes.Get(parse.GetValue(target)!), parse.GetValue(draftHidden), parse.GetValue(draftLayers), parse.GetValue(prompt),
                parse.GetValue(steps), parse.GetValue(maxK), alphas);
            return 0;
        });
        return command;
    }

    private static void Run(ModelConfig targetConfig, int draftHidden, int draftLayers, int prompt, int steps, int maxK, double[] alphas)
    {
        ModelConfig draftConfig = targetConfig with
        {
            HiddenSize = draftHidden,
            IntermediateSize = draftHidden * 3,
            NumHiddenLayers = draftLayers,
            NumAttentionHeads = Math.Max(1, draftHidden / 32),
            NumKeyValueHeads = Math.Max(1, draftHidden / 64),
            HeadDim = 32,
        };
        using var noGrad = no_grad();
        double plain, draft;
        var verify = new double[maxK + 1];
        using (var model = new CausalLM(targetConfig, new RandomWeightSource(1, float32, CPU, std: 0.02), float32, CPU))
        {
            plain = MedianStep(model, prompt, 1, steps);
            for (int k = 1; k <= maxK; k++) verify[k] = MedianStep(model, prompt, k + 1, steps);
        }
        using (var model = new CausalLM(draftConfig, new RandomWeightSource(2, float32, CPU, std: 0.02), float32, CPU))
            draft = MedianStep(model, prompt, 1, steps);

        AnsiConsole.MarkupLine($"target {targetConfig.NumHiddenLayers} layers × {targetConfig.HiddenSize}, draft {draftLayers} × {draftHidden} (vocabulary {targetConfig.VocabSize}), {prompt} cached positions, float32, {get_num_threads()} threads");
        AnsiConsole.MarkupLine($"plain step {plain * 1e3:F1} ms, draft step {draft * 1e3:F2} ms (c = {draft / plain:F3} of a target step)");
        var table = new Table().AddColumns(["k", "verify ms", "verify / plain", .. alphas.Select(a => $"speedup α={a:0.##}")]);
        var best = new (int K, double Speedup)[alphas.Length];
        for (int k = 1; k <= maxK; k++)
        {
            var row = new List<string> { $"{k}", $"{verify[k] * 1e3:F1}", $"{verify[k] / plain:F2}" };
            for (int i = 0; i < alphas.Length; i++)
            {
                double speedup = ExpectedSpeedup(alphas[i], k, plain, draft, verify[k]);
                if (speedup > best[i].Speedup) best[i] = (k, speedup);
                row.Add($"{speedup:F2}x");
            }
            table.AddRow([.. row]);
        }
        AnsiConsole.Write(table);
        for (int i = 0; i < alphas.Length; i++)
        {
            // N-gram (prompt lookup) drafts cost no model step: the same formula with T_draft = 0.
            (int k, double speedup) ngram = Enumerable.Range(1, maxK).Select(k => (k, ExpectedSpeedup(alphas[i], k, plain, 0, verify[k]))).MaxBy(p => p.Item2);
            AnsiConsole.MarkupLine($"α = {alphas[i]:0.##}: draft model best k = {best[i].K}, expected speedup {best[i].Speedup:F2}x; n-gram (no draft cost) best k = {ngram.k}, {ngram.speedup:F2}x");
        }
    }

    /// <summary>Tokens per iteration (1 − α^(k+1)) / (1 − α) over the iteration's cost, in plain steps.</summary>
    public static double ExpectedSpeedup(double alpha, int k, double plain, double draft, double verify) =>
        (1 - Math.Pow(alpha, k + 1)) / (1 - alpha) * plain / (k * draft + verify);

    // Median seconds of a step that runs `positions` new tokens of one sequence holding `prompt` positions and
    // reads the logits of all of them (as verification does), argmax included.
    private static double MedianStep(CausalLM model, int prompt, int positions, int steps)
    {
        using var cache = new BenchSequences(model, 1, prompt + positions + 2);
        using (Tensor _ = cache.Forward([Enumerable.Range(1, prompt).ToArray()])) { }
        var times = new List<double>();
        int[] tokens = Enumerable.Range(7, positions).ToArray();
        for (int step = 0; step <= steps; step++)
        {
            long start = Stopwatch.GetTimestamp();
            using (Tensor logits = cache.Forward([tokens], logitRows: positions))
            using (Tensor next = logits.argmax(-1))
                _ = next.data<long>()[0];
            double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            cache.Rewind(0, positions);
            if (step > 0) times.Add(seconds); // the first step warms up
        }
        times.Sort();
        return times[times.Count / 2];
    }
}
