using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using CodeGen.Model;
using CodeGen.Model.Weights;
using CodeGen.Training.Distributed;
using CodeGen.Training.Lora;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench lora</c>: LoRA fine-tuning step throughput (tokens/s) and peak memory on CPU with one worker, through the
/// trainer that <c>training lora</c> runs (the same loop, the same single flattened gradient buffer per step), on
/// random token sequences. The bundled model is read from models/codegen-tiny; the 0.5B shape has random weights.
/// One configuration per process, so that the peak resident set (VmHWM) belongs to it; bench/scripts/lora-step.sh
/// runs the table.
/// </summary>
internal static class LoraBenchmark
{
    public static Command Create()
    {
        Option<string> shape = new("--shape") { Description = "bundled (models/codegen-tiny) or 0.5b (Qwen2.5-0.5B shape, random weights).", DefaultValueFactory = _ => "bundled" };
        Option<int> seqLen = new("--seq-len") { Description = "Tokens per sequence.", DefaultValueFactory = _ => 256 };
        Option<int> batch = new("--batch-size") { Description = "Sequences per step.", DefaultValueFactory = _ => 4 };
        Option<int> steps = new("--steps") { Description = "Steps; the first is left out of the median (warm-up).", DefaultValueFactory = _ => 6 };
        Option<int> rank = new("--rank") { Description = "LoRA rank (q,k,v,o,gate,up,down).", DefaultValueFactory = _ => 8 };
        Option<string> baseDType = new("--base-dtype") { Description = "float32 or bfloat16.", DefaultValueFactory = _ => "float32" };
        Option<bool> checkpointing = new("--gradient-checkpointing") { Description = "Recompute activations per layer." };
        Option<int> threads = new("--threads") { Description = "Torch threads (0 = default).", DefaultValueFactory = _ => 0 };
        var command = new Command("lora", "LoRA step throughput and peak memory (one configuration; see bench/scripts/lora-step.sh).")
        {
            shape, seqLen, batch, steps, rank, baseDType, checkpointing, threads,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(shape)!;
            int t = parse.GetValue(seqLen), b = parse.GetValue(batch), n = parse.GetValue(steps);
            if (n < 2) throw new ArgumentException("--steps must be at least 2 (the first is warm-up)");
            if (parse.GetValue(threads) > 0) set_num_threads(parse.GetValue(threads));
            ScalarType dtype = CausalLM.ParseDType(parse.GetValue(baseDType)!);
            var load = Stopwatch.StartNew();
            using CausalLM model = name switch
            {
                "bundled" => CausalLM.Load(BundledModel(), dtype, CPU),
                "0.5b" => new CausalLM(ModelShapes.Get("0.5b"), new RandomWeightSource(1, dtype, CPU, std: 0.02), dtype, CPU),
                _ => throw new ArgumentException($"--shape {name}: expected bundled or 0.5b"),
            };
            double residentAfterLoad = Resident("VmRSS");
            var random = new Random(5);
            LoraExample[] examples = [.. Enumerable.Range(0, n * b).Select(_ => new LoraExample([.. Enumerable.Range(0, t + 1).Select(_ => random.Next(model.Config.VocabSize))], 1))];
            string output = Directory.CreateTempSubdirectory("codegen-bench-lora-").FullName;
            try
            {
                var options = new LoraOptions
                {
                    Base = name,
                    Data = "random",
                    Output = output,
                    Steps = n,
                    Rank = parse.GetValue(rank),
                    BatchSize = b,
                    SeqLen = t,
                    BaseDType = parse.GetValue(baseDType)!,
                    GradientCheckpointing = parse.GetValue(checkpointing),
                    EvalEvery = 0,
                    ValidationFraction = 0,
                    CheckpointEvery = n,
                    Warmup = 1,
                };
                // One worker, or N under mpiexec.mpich -n N (each with --batch-size / N sequences of the global batch).
                using var workers = new TimedWorkers(DataParallel.Create());
                var trainer = new LoraTrainer(options, workers, TextWriter.Null);
                var run = Stopwatch.StartNew();
                trainer.Run(model, LoraData.FromExamples(examples, [], "random ids"), resume: false);
                run.Stop();
                if (workers.Rank != 0) return 0;
                double[] rates = [.. File.ReadLines(Path.Combine(output, "metrics.jsonl")).Skip(1)
                    .Select(line => JsonDocument.Parse(line).RootElement.GetProperty("tokens_per_s").GetDouble()).Order()];
                double median = rates[rates.Length / 2];
                long parameters = model.parameters().Where(p => p.requires_grad).Sum(p => p.numel());
                Console.WriteLine($"| {name} | {options.BaseDType} | {(options.GradientCheckpointing ? "yes" : "no")} | {b} × {t} | {options.Rank} ({parameters / 1e6:F2} M) | "
                    + $"{median:F0} ({rates[0]:F0}-{rates[^1]:F0}) | {b * t / median:F2} | {residentAfterLoad / 1024:F2} | {Resident("VmHWM") / 1024:F2} | {get_num_threads()} | "
                    + $"{workers.Size} | {(workers.Size > 1 ? $"{100 * workers.AverageSeconds / run.Elapsed.TotalSeconds:F1} % ({workers.AverageCalls} calls, {1e3 * workers.AverageSeconds / Math.Max(1, workers.AverageCalls):F1} ms each)" : "-")} |");
            }
            finally
            {
                Directory.Delete(output, recursive: true);
            }
            return 0;
        });
        return command;
    }

    // MiB from /proc/self/status (VmRSS: now; VmHWM: the peak so far).
    private static double Resident(string field)
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    private static string BundledModel()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, "models", "codegen-tiny");
            if (File.Exists(Path.Combine(candidate, "config.json"))) return candidate;
        }
        throw new ArgumentException("models/codegen-tiny not found above the bench binary");
    }

    // The job's collectives, timing AverageInPlace (the gradient allreduce) for its share of the run.
    private sealed class TimedWorkers(IDataParallel inner) : IDataParallel
    {
        public int Rank => inner.Rank;

        public int Size => inner.Size;

        public int LocalRank => inner.LocalRank;

        public double AverageSeconds { get; private set; }

        public int AverageCalls { get; private set; }

        public void AverageInPlace(float[] buffer)
        {
            long start = Stopwatch.GetTimestamp();
            inner.AverageInPlace(buffer);
            AverageSeconds += Stopwatch.GetElapsedTime(start).TotalSeconds;
            AverageCalls++;
        }

        public bool AllEqual(ulong value) => inner.AllEqual(value);

        public void Barrier() => inner.Barrier();

        public void Dispose() => inner.Dispose();
    }
}
