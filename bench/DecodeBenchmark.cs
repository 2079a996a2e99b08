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
        Option<string?> positions = new("--positions") { Description = "Instead: batch decode tok/s with every sequence holding these many KV positions (comma-separated, e.g. 512,2048,8192)." };
        Option<int> batch = new("--batch") { Description = "Batch size for --positions.", DefaultValueFactory = _ => 16 };
        Option<long?> gatherLimit = new("--gather-limit") { Description = "Batch KV elements up to which a decode step gathers instead of attending per sequence (0: never; default: the engine's)." };
        Option<string> backend = new("--backend") { Description = "torch (our TorchSharp engine) or llama (GGUF files through llama.cpp).", DefaultValueFactory = _ => "torch" };
        Option<string> quants = new("--quants") { Description = "llama: comma-separated GGUF types: f32, f16, q8_0, q4_0, q4_k_m.", DefaultValueFactory = _ => "f32,f16,q8_0,q4_0" };
        Option<string> ggufDirectory = new("--gguf-dir") { Description = "llama: where the random-weight GGUF files are made (once) and kept.", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "codegen-bench-gguf") };
        var command = new Command("decode", "Prefill/decode tokens/s vs the memory-bandwidth floor.") { shapes, dtypes, prompt, steps, threads, positions, batch, gatherLimit, backend, quants, ggufDirectory };
        command.SetAction(parse =>
        {
            if (parse.GetRequiredValue(backend) == "llama")
            {
                string directory = parse.GetRequiredValue(ggufDirectory);
                Directory.CreateDirectory(directory);
                LlamaDecodeBenchmark.Run(parse.GetRequiredValue(shapes).Split(','), parse.GetRequiredValue(quants).Split(','), parse.GetValue(prompt), parse.GetValue(steps), parse.GetValue(threads), directory);
                return 0;
            }
            if (parse.GetRequiredValue(backend) != "torch") throw new ArgumentException($"--backend must be torch or llama, got '{parse.GetRequiredValue(backend)}'");
            if (parse.GetValue(threads) > 0) set_num_threads(parse.GetValue(threads));
            if (parse.GetValue(gatherLimit) is long limit) PackedSteps.GatherLimitElements = limit;
            if (parse.GetValue(positions) is string list)
            {
                RunAtPositions(parse.GetRequiredValue(shapes).Split(','), parse.GetRequiredValue(dtypes).Split(','),
                    list.Split(',').Select(int.Parse).ToArray(), parse.GetValue(batch), parse.GetValue(steps));
                return 0;
            }
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

    private static void RunAtPositions(string[] shapes, string[] dtypes, int[] positions, int batch, int steps)
    {
        using var noGrad = no_grad();
        var table = new Table().AddColumns("shape", "dtype", "batch", "positions", "decode tok/s (own blocks)", "decode tok/s (first half shared)", "shared / own");
        foreach (string shape in shapes)
        {
            foreach (string dtypeName in dtypes)
            {
                ScalarType dtype = CausalLM.ParseDType(dtypeName);
                using var model = new CausalLM(ModelShapes.Get(shape.Trim()), new RandomWeightSource(1, dtype, CPU), dtype, CPU);
                foreach (int p in positions)
                {
                    // Interleaved, so a busy neighbour slows both alike: own blocks (one run each), then half the
                    // positions in blocks every sequence shares (two runs of the pool per sequence).
                    double own = MeasureDecodeAt(model, batch, p, steps);
                    double shared = MeasureDecodeAt(model, batch, p, steps, sharedPositions: p / 2);
                    table.AddRow(shape, dtypeName, $"{batch}", $"{p}", $"{own:F2}", $"{shared:F2}", $"{shared / own:P0}");
                }
            }
        }
        AnsiConsole.Write(table);
    }

    // Medians over rounds of (bandwidth probe, batch-1 decode step, all weight mat-vecs), each round's ratios taken from
    // figures measured within a fraction of a second of each other.
    private sealed record Interleaved(double Bandwidth, double Decode, double Floor, double MatVec, double DecodeOverFloor, double DecodeOverMatVec);

    private static Interleaved MeasureBatch1(CausalLM model, BandwidthProbe probe, double weightBytes, int rounds)
    {
        using BenchSequences cache = PrefilledCache(model, 1, rounds);
        using var matVec = new WeightMatVec(model);
        var bandwidth = new List<double>();
        var decode = new List<double>();
        var matVecs = new List<double>();
        var overFloor = new List<double>();
        var overMatVec = new List<double>();
        for (int round = 0; round < rounds + 1; round++)
        {
            double b = probe.Measure();
            double d = 1 / DecodeStep(model, cache, round + 5);
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
            using var cache = new BenchSequences(model, 1, promptLength + 1);
            var watch = Stopwatch.StartNew();
            using Tensor logits = cache.Forward([prompt]);
            times.Add(watch.Elapsed.TotalSeconds);
        }
        return promptLength / times.Min();
    }

    private static double MeasureDecode(CausalLM model, int batch, int steps)
    {
        using BenchSequences cache = PrefilledCache(model, batch, steps);
        return batch / MedianDecodeStep(model, cache, steps);
    }

    /// <summary>
    /// Batch decode tokens/s with every sequence already holding <paramref name="positions"/> positions: one
    /// sequence's prompt is prefilled (at most 512 tokens) and its blocks copied until every sequence's table is full,
    /// so the decode reads real, distinct KV memory without prefilling batch × positions tokens.
    /// </summary>
    public static double MeasureDecodeAt(CausalLM model, int batch, int positions, int steps, int sharedPositions = 0)
    {
        using var cache = new BenchSequences(model, batch, positions + steps + 2, sharedPositions);
        int seed = Math.Min(positions, 512);
        using (cache.Forward([Enumerable.Range(1, seed).Select(i => i % model.Config.VocabSize).ToArray()], only: 0)) { }
        cache.FillFrom(0, seed, positions);
        return batch / MedianDecodeStep(model, cache, steps);
    }

    private static double MedianDecodeStep(CausalLM model, BenchSequences cache, int steps)
    {
        var times = new List<double>();
        for (int step = 0; step < steps + 1; step++)
        {
            double seconds = DecodeStep(model, cache, step + 5);
            if (step > 0) times.Add(seconds); // first step warms up
        }
        return Median(times);
    }

    // batch sequences that each hold a 64-token prompt (decode after a short prompt, as in interactive completion)
    // and room for steps + 1 more tokens.
    private static BenchSequences PrefilledCache(CausalLM model, int batch, int steps)
    {
        const int context = 64;
        var cache = new BenchSequences(model, batch, context + steps + 2);
        int[] prompt = Enumerable.Range(1, context).ToArray();
        using (Tensor _ = cache.Forward(Enumerable.Repeat(prompt, batch).ToArray())) { }
        return cache;
    }

    // Seconds for one decode step of every sequence, sampling (argmax) included.
    private static double DecodeStep(CausalLM model, BenchSequences cache, int token)
    {
        var watch = Stopwatch.StartNew();
        using Tensor logits = cache.Forward(Enumerable.Repeat(new[] { token }, cache.Count).ToArray());
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
