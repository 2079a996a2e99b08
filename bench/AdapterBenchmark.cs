using System.CommandLine;
using System.Diagnostics;
using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.Model.Lora;
using CodeGen.Model.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench adapters</c>: batch decode tokens/s of the same model and batch with every sequence on the base model,
/// every sequence on one unmerged LoRA adapter, and the batch split between two adapters (alternating, so each
/// adapter's rows are gathered; and in two halves, so each is one view), timed in interleaved rounds so that a busy
/// machine slows every configuration alike.
/// </summary>
internal static class AdapterBenchmark
{
    private static readonly string[] Targets = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public static Command Create()
    {
        Option<string> shapes = new("--shapes") { Description = "Comma-separated: tiny, 0.5b, 1.5b.", DefaultValueFactory = _ => "tiny,0.5b" };
        Option<int> batch = new("--batch") { Description = "Sequences decoded together.", DefaultValueFactory = _ => 8 };
        Option<int> rank = new("--rank") { Description = "LoRA rank of both adapters (every projection adapted).", DefaultValueFactory = _ => 16 };
        Option<int> steps = new("--steps") { Description = "Rounds (one decode step of each configuration per round; medians reported).", DefaultValueFactory = _ => 16 };
        Option<int> threads = new("--threads") { Description = "Torch intra-op threads (0 = torch default).", DefaultValueFactory = _ => 0 };
        var command = new Command("adapters", "Decode tokens/s: base only vs one adapter vs a batch mixing two adapters (served unmerged).") { shapes, batch, rank, steps, threads };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) > 0) set_num_threads(parse.GetValue(threads));
            Run(parse.GetRequiredValue(shapes).Split(','), parse.GetValue(batch), parse.GetValue(rank), parse.GetValue(steps));
            return 0;
        });
        return command;
    }

    private static void Run(string[] shapes, int batch, int rank, int rounds)
    {
        using var noGrad = no_grad();
        AnsiConsole.MarkupLine($"threads: {get_num_threads()}; batch {batch}, 64-token prompts, rank {rank} on q, k, v, o, gate, up, down; float32");
        var table = new Table().AddColumns("shape", "base only tok/s", "one adapter tok/s", "two adapters, alternating tok/s", "two adapters, halves tok/s",
            "one / base", "alternating / base", "halves / base");
        string directory = Directory.CreateTempSubdirectory("codegen-bench-lora-").FullName;
        try
        {
            foreach (string shape in shapes)
            {
                ModelConfig config = ModelShapes.Get(shape.Trim());
                using var model = new CausalLM(config, new RandomWeightSource(1, float32, CPU), float32, CPU);
                for (int a = 0; a < 2; a++)
                {
                    string adapter = Path.Combine(directory, $"{shape}-{a}");
                    SaveRandomAdapter(model, adapter, rank, seed: 100 + a);
                    using PeftAdapter peft = PeftAdapter.Load(adapter);
                    peft.AddTo(model);
                }
                (string Name, int[] Slots)[] configurations =
                [
                    ("base", new int[batch]),
                    ("one", Enumerable.Repeat(1, batch).ToArray()),
                    ("alternating", Enumerable.Range(0, batch).Select(i => 1 + i % 2).ToArray()),
                    ("halves", Enumerable.Range(0, batch).Select(i => i < batch / 2 ? 1 : 2).ToArray()),
                ];
                using var cache = new BenchSequences(model, batch, 64 + (rounds + 1) * configurations.Length + 2);
                int[] prompt = Enumerable.Range(1, 64).ToArray();
                using (Tensor _ = cache.Forward(Enumerable.Repeat(prompt, batch).ToArray())) { }
                var times = configurations.Select(_ => new List<double>()).ToArray();
                for (int round = 0; round < rounds + 1; round++)
                {
                    for (int c = 0; c < configurations.Length; c++)
                    {
                        cache.Adapters = configurations[c].Slots;
                        var watch = Stopwatch.StartNew();
                        using (Tensor logits = cache.Forward(Enumerable.Repeat(new[] { 7 + round }, batch).ToArray()))
                        using (Tensor next = logits.argmax(-1))
                        {
                            _ = next.data<long>()[0];
                        }
                        if (round > 0) times[c].Add(watch.Elapsed.TotalSeconds); // the first round warms up
                    }
                }
                double[] rate = [.. times.Select(t => batch / Median(t))];
                table.AddRow(shape, $"{rate[0]:F1}", $"{rate[1]:F1}", $"{rate[2]:F1}", $"{rate[3]:F1}", $"{rate[1] / rate[0]:P0}", $"{rate[2] / rate[0]:P0}", $"{rate[3] / rate[0]:P0}");
                AnsiConsole.MarkupLine($"[grey]{shape}: done[/]");
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
        AnsiConsole.Write(table);
    }

    private static void SaveRandomAdapter(CausalLM model, string directory, int rank, long seed)
    {
        manual_seed(seed);
        var factors = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        foreach ((string name, nn.Module module) in model.named_modules())
        {
            // named_modules also lists modules under their backing fields' names: checkpoint names only.
            if (module is not Linear linear || name.Contains('<') || !Targets.Any(t => name.EndsWith("." + t, StringComparison.Ordinal))) continue;
            factors[name] = new LoraFactors(randn(rank, linear.InFeatures).mul(0.01), randn(linear.OutFeatures, rank).mul(0.01));
        }
        PeftAdapter.Save(directory, new PeftAdapterConfig { Rank = rank, Alpha = 2 * rank, TargetModules = Targets }, factors);
        foreach (LoraFactors f in factors.Values)
        {
            f.A.Dispose();
            f.B.Dispose();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
