using System.CommandLine;
using System.Diagnostics;
using CodeGen.Model;
using CodeGen.Model.Caching;
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
        using var probe = new BandwidthProbe();
        AnsiConsole.MarkupLine($"threads: {get_num_threads()}; read bandwidth probe: float32 mat-vec over 256 MiB, re-measured beside every decode step");
        var table = new Table().AddColumns("shape", "dtype", "weights GB", "GB/s", "prefill tok/s", "decode b=1 tok/s", "floor b=1 tok/s", "b=1 / floor",
            "mat-vec only tok/s", "b=1 / mat-vec", "decode b=8 tok/s");
        foreach (string shape in shapes)
        {
            foreach (string dtypeName in dtypes)
            {
                ScalarType dtype = CausalLM.ParseDType(dtypeName);
                ModelConfig config = ModelShapes.Get(shape.Trim());
                using var model = new CausalLM(config, new RandomWeightSource(1, dtype, CPU), dtype, CPU);
                double weightBytes = model.NamedWeights().Sum(w => (double)w.Value.NumberOfElements * w.Value.ElementSize);
                double prefill = MeasurePrefill(model, promptLength);
                Interleaved batch1 = MeasureBatch1(model, probe, weightBytes, steps);
                double decode8 = MeasureDecode(model, 8, Math.Max(4, steps / 2));
                table.AddRow(shape, dtypeName, $"{weightBytes / 1e9:F2}", $"{batch1.Bandwidth / 1e9:F1}", $"{prefill:F1}", $"{batch1.Decode:F2}",
                    $"{batch1.Floor:F2}", $"{batch1.DecodeOverFloor:P0}", $"{batch1.MatVec:F2}", $"{batch1.DecodeOverMatVec:P0}", $"{decode8:F2}");
                AnsiConsole.MarkupLine($"[grey]{shape} {dtypeName}: done[/]");
            }
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("[grey]Ratios are medians of per-round ratios: each round times one bandwidth probe, one decode step and one pass of " +
            "every weight mat-vec back to back, so a busy neighbour slows all three alike.[/]");
    }

    // Medians over rounds of (bandwidth probe, batch-1 decode step, all weight mat-vecs), each round's ratios taken from
    // figures measured within a fraction of a second of each other.
    private sealed record Interleaved(double Bandwidth, double Decode, double Floor, double MatVec, double DecodeOverFloor, double DecodeOverMatVec);

    private static Interleaved MeasureBatch1(CausalLM model, BandwidthProbe probe, double weightBytes, int rounds)
    {
        using KvCache cache = PrefilledCache(model, 1, rounds, out int[] slots);
        using var matVec = new WeightMatVec(model);
        var bandwidth = new List<double>();
        var decode = new List<double>();
        var matVecs = new List<double>();
        var overFloor = new List<double>();
        var overMatVec = new List<double>();
        for (int round = 0; round < rounds + 1; round++)
        {
            double b = probe.Measure();
            double d = 1 / DecodeStep(model, cache, slots, round + 5);
            double m = 1 / matVec.Measure();
            if (round == 0) continue; // warm-up
            bandwidth.Add(b);
            decode.Add(d);
            matVecs.Add(m);
            overFloor.Add(d / (b / weightBytes));
            overMatVec.Add(d / m);
        }
        double medianBandwidth = Median(bandwidth);
        return new Interleaved(medianBandwidth, Median(decode), medianBandwidth / weightBytes, Median(matVecs), Median(overFloor), Median(overMatVec));
    }

    // Reads a 256 MiB float32 matrix once per product: bytes / time = streaming read bandwidth.
    private sealed class BandwidthProbe : IDisposable
    {
        private readonly Tensor _matrix = randn(8192, 8192);
        private readonly Tensor _vector = randn(8192);

        public BandwidthProbe()
        {
            for (int i = 0; i < 2; i++) Measure();
        }

        public double Measure()
        {
            var watch = Stopwatch.StartNew();
            using Tensor result = _matrix.mv(_vector);
            return _matrix.NumberOfElements * 4.0 / watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            _matrix.Dispose();
            _vector.Dispose();
        }
    }

    // Every weight matrix of the model as one batch-1 mat-vec (the embedding as the tied lm_head), in the layout
    // the model stores it: the part of a decode step that only the memory system decides. Decode b=1 ÷ this is
    // the engine's own efficiency.
    private sealed class WeightMatVec : IDisposable
    {
        private readonly Tensor[] _matrices;
        private readonly Dictionary<long, Tensor> _vectors;

        public WeightMatVec(CausalLM model)
        {
            _matrices = model.NamedWeights().Select(w => w.Value).Where(w => w.dim() == 2).ToArray();
            _vectors = _matrices.Select(m => m.shape[1]).Distinct().ToDictionary(n => n, n => randn(n).to(model.DType));
            Measure();
        }

        // Seconds for one pass.
        public double Measure()
        {
            var watch = Stopwatch.StartNew();
            foreach (Tensor m in _matrices)
            {
                using Tensor y = m.mv(_vectors[m.shape[1]]);
            }
            return watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            foreach (Tensor v in _vectors.Values) v.Dispose();
        }
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
        using KvCache cache = PrefilledCache(model, batch, steps, out int[] slots);
        var times = new List<double>();
        for (int step = 0; step < steps + 1; step++)
        {
            double seconds = DecodeStep(model, cache, slots, step + 5);
            if (step > 0) times.Add(seconds); // first step warms up
        }
        return batch / Median(times);
    }

    // A cache with batch sequences that each hold a 64-token prompt (decode after a short prompt, as in
    // interactive completion) and room for steps + 1 more tokens.
    private static KvCache PrefilledCache(CausalLM model, int batch, int steps, out int[] slots)
    {
        const int context = 64;
        KvCache cache = model.CreateCache(batch, context + steps + 2);
        slots = Enumerable.Range(0, batch).Select(_ => cache.Allocate()).ToArray();
        int[] prompt = Enumerable.Range(1, context).ToArray();
        using (Tensor _ = model.Forward(slots.Select(s => new SequenceInput(s, prompt)).ToList(), cache)) { }
        return cache;
    }

    // Seconds for one decode step of every sequence, sampling (argmax) included.
    private static double DecodeStep(CausalLM model, KvCache cache, int[] slots, int token)
    {
        var watch = Stopwatch.StartNew();
        using Tensor logits = model.Forward(slots.Select(s => new SequenceInput(s, [token])).ToList(), cache);
        using Tensor next = logits.argmax(-1);
        _ = next.data<long>()[0];
        return watch.Elapsed.TotalSeconds;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
