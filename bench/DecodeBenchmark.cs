using System.CommandLine;
using System.Diagnostics;
using CodeGen.Model;
using CodeGen.Model.Weights;
using Spectre.Console;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench decode</c>: prefill and decode throughput of random-weight Qwen2.5-Coder-shaped models, beside
/// this machine's streaming read bandwidth and the batch-1 decode floor it implies (weight bytes per token ÷
/// bandwidth). All figures come from one run, so the ratios are comparable even on a noisy machine.
/// </summary>
internal static class DecodeBenchmark
{
    public static Command Create()
    {
        Option<string> shapes = new("--shapes") { Description = "Comma-separated: 0.5b, 1.5b.", DefaultValueFactory = _ => "0.5b,1.5b" };
        Option<string> dtypes = new("--dtypes") { Description = "Comma-separated: float32, bfloat16.", DefaultValueFactory = _ => "float32,bfloat16" };
        Option<int> prompt = new("--prompt") { Description = "Prefill prompt length.", DefaultValueFactory = _ => 512 };
        Option<int> steps = new("--steps") { Description = "Decode steps timed per batch size (median reported).", DefaultValueFactory = _ => 16 };
        Option<int> threads = new("--threads") { Description = "Torch intra-op threads (0 = torch default).", DefaultValueFactory = _ => 0 };
        var command = new Command("decode", "Prefill/decode tokens/s vs the memory-bandwidth floor.") { shapes, dtypes, prompt, steps, threads };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) > 0) set_num_threads(parse.GetValue(threads));
            Run(parse.GetRequiredValue(shapes).Split(','), parse.GetRequiredValue(dtypes).Split(','), parse.GetValue(prompt), parse.GetValue(steps));
            return 0;
        });
        return command;
    }

    private static void Run(string[] shapes, string[] dtypes, int promptLength, int steps)
    {
        using var noGrad = no_grad();
        double bandwidth = MeasureReadBandwidth();
        AnsiConsole.MarkupLine($"threads: {get_num_threads()}; streaming read bandwidth (float32 mat-vec, 256 MiB): [bold]{bandwidth / 1e9:F1} GB/s[/]");
        var table = new Table().AddColumns("shape", "dtype", "weights GB", "prefill tok/s", "decode b=1 tok/s", "floor b=1 tok/s", "b=1 / floor", "mat-vec only tok/s", "b=1 / mat-vec", "decode b=8 tok/s");
        foreach (string shape in shapes)
        {
            foreach (string dtypeName in dtypes)
            {
                ScalarType dtype = CausalLM.ParseDType(dtypeName);
                ModelConfig config = ModelShapes.Get(shape.Trim());
                using var model = new CausalLM(config, new RandomWeightSource(1, dtype, CPU), dtype, CPU);
                double weightBytes = model.NamedWeights().Sum(w => (double)w.Value.NumberOfElements * w.Value.ElementSize);
                double prefill = MeasurePrefill(model, promptLength);
                double decode1 = MeasureDecode(model, 1, steps);
                double decode8 = MeasureDecode(model, 8, Math.Max(4, steps / 2));
                double matVec = MeasureWeightsMatVec(model);
                double floor = bandwidth / weightBytes;
                table.AddRow(shape, dtypeName, $"{weightBytes / 1e9:F2}", $"{prefill:F1}", $"{decode1:F2}", $"{floor:F2}", $"{decode1 / floor:P0}",
                    $"{matVec:F2}", $"{decode1 / matVec:P0}", $"{decode8:F2}");
                AnsiConsole.MarkupLine($"[grey]{shape} {dtypeName}: done[/]");
            }
        }
        AnsiConsole.Write(table);
    }

    // Reads a 256 MiB float32 matrix once per product: bytes / time = streaming read bandwidth.
    private static double MeasureReadBandwidth()
    {
        using Tensor matrix = randn(8192, 8192);
        using Tensor vector = randn(8192);
        var times = new List<double>();
        for (int i = 0; i < 12; i++)
        {
            var watch = Stopwatch.StartNew();
            using Tensor result = matrix.mv(vector);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        return matrix.NumberOfElements * 4.0 / Median(times.Skip(2));
    }

    // Every weight matrix of the model as one batch-1 mat-vec (the embedding as the tied lm_head): the part of a
    // decode step that only the memory system decides. Decode b=1 ÷ this is the engine's own efficiency.
    private static double MeasureWeightsMatVec(CausalLM model)
    {
        Tensor[] matrices = model.NamedWeights().Select(w => w.Value).Where(w => w.dim() == 2).ToArray();
        var vectors = matrices.Select(m => m.shape[1]).Distinct().ToDictionary(n => n, n => randn(n).to(model.DType));
        var times = new List<double>();
        for (int run = 0; run < 6; run++)
        {
            var watch = Stopwatch.StartNew();
            foreach (Tensor m in matrices)
            {
                using Tensor y = m.mv(vectors[m.shape[1]]);
            }
            if (run > 0) times.Add(watch.Elapsed.TotalSeconds);
        }
        foreach (Tensor v in vectors.Values) v.Dispose();
        return 1 / Median(times);
    }

    private static double MeasurePrefill(CausalLM model, int promptLength)
    {
        int[] prompt = Enumerable.Range(0, promptLength).Select(i => (i * 7919) % model.Config.VocabSize).ToArray();
        var times = new List<double>();
        for (int run = 0; run < 2; run++)
        {
            using var cache = model.CreateCache(1, promptLength + 1);
            int slot = cache.Allocate();
            var watch = Stopwatch.StartNew();
            using Tensor logits = model.Forward([new SequenceInput(slot, prompt)], cache);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        return promptLength / times.Min();
    }

    private static double MeasureDecode(CausalLM model, int batch, int steps)
    {
        const int context = 64; // decode after a short prompt, as in interactive completion
        using var cache = model.CreateCache(batch, context + steps + 2);
        int[] slots = Enumerable.Range(0, batch).Select(_ => cache.Allocate()).ToArray();
        int[] prompt = Enumerable.Range(1, context).ToArray();
        using (Tensor _ = model.Forward(slots.Select(s => new SequenceInput(s, prompt)).ToList(), cache)) { }
        var times = new List<double>();
        for (int step = 0; step < steps + 1; step++)
        {
            var watch = Stopwatch.StartNew();
            using Tensor logits = model.Forward(slots.Select(s => new SequenceInput(s, [step + 5])).ToList(), cache);
            using Tensor next = logits.argmax(-1); // sampling included
            _ = next.data<long>()[0];
            if (step > 0) times.Add(watch.Elapsed.TotalSeconds); // first step warms up
        }
        return batch / Median(times);
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
