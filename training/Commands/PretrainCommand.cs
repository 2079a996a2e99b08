using System.CommandLine;
using CodeGen.Training.Pretraining;
using Spectre.Console;

namespace CodeGen.Training.Commands;

/// <summary><c>pretrain</c>: trains a Llama model from scratch on packed shards, with checkpoints and --resume.</summary>
internal static class PretrainCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> data = new("--data") { Description = "Shard directory from 'training shards'.", Required = true };
        Option<DirectoryInfo> output = new("--output") { Description = "Run directory (checkpoints/, metrics.jsonl, model/).", Required = true };
        Option<bool> resume = new("--resume") { Description = "Continue from the newest checkpoint in --output." };
        Option<int> hidden = new("--hidden") { DefaultValueFactory = _ => 256, Description = "Model width." };
        Option<int> layers = new("--layers") { DefaultValueFactory = _ => 6, Description = "Decoder layers." };
        Option<int> heads = new("--heads") { DefaultValueFactory = _ => 8, Description = "Attention heads." };
        Option<int> kvHeads = new("--kv-heads") { DefaultValueFactory = _ => 4, Description = "Key/value heads (GQA)." };
        Option<int> intermediate = new("--intermediate") { DefaultValueFactory = _ => 688, Description = "SwiGLU width." };
        Option<double> ropeTheta = new("--rope-theta") { DefaultValueFactory = _ => 10000, Description = "RoPE base θ." };
        Option<DirectoryInfo?> initFrom = new("--init-from") { Description = "Start from this trained model directory (same vocabulary, width, layers, heads; the SwiGLU may be wider) instead of random weights." };
        Option<DirectoryInfo?> teacher = new("--teacher") { Description = "Distil from this trained model directory (same vocabulary): KL divergence to its token distribution." };
        Option<double> distillWeight = new("--distill-weight") { DefaultValueFactory = _ => 1.0, Description = "Share of the KL term when distilling (the rest is cross-entropy on the data)." };
        Option<double> distillTemperature = new("--distill-temperature") { DefaultValueFactory = _ => 1.0, Description = "Softmax temperature of the KL term." };
        Option<int> validationSplit = new("--validation-split") { DefaultValueFactory = _ => 512, Description = "Validation also reports the loss below and from this position (0 = off)." };
        Option<int> steps = new("--steps") { DefaultValueFactory = _ => 2000, Description = "Optimizer steps." };
        Option<int> batch = new("--batch-size") { DefaultValueFactory = _ => 8, Description = "Sequences per micro-batch." };
        Option<int> accumulation = new("--accumulation") { DefaultValueFactory = _ => 1, Description = "Micro-batches per step." };
        Option<double> lr = new("--lr") { DefaultValueFactory = _ => 3e-3, Description = "Peak learning rate." };
        Option<double> minLr = new("--min-lr") { DefaultValueFactory = _ => 3e-4, Description = "Final learning rate." };
        Option<int> warmup = new("--warmup") { DefaultValueFactory = _ => 100, Description = "Warmup steps." };
        Option<double> weightDecay = new("--weight-decay") { DefaultValueFactory = _ => 0.1, Description = "Decoupled weight decay." };
        Option<double> clip = new("--clip") { DefaultValueFactory = _ => 1.0, Description = "Gradient-norm clip." };
        Option<int> evalEvery = new("--eval-every") { DefaultValueFactory = _ => 100, Description = "Validation interval (steps)." };
        Option<int> evalBatches = new("--eval-batches") { DefaultValueFactory = _ => 8, Description = "Validation batches." };
        Option<int> checkpointEvery = new("--checkpoint-every") { DefaultValueFactory = _ => 100, Description = "Checkpoint interval (steps)." };
        Option<int> seed = new("--seed") { DefaultValueFactory = _ => 1, Description = "Seed for weights and data order." };
        Option<int> threads = new("--threads") { DefaultValueFactory = _ => 0, Description = "Torch threads (0 = default)." };
        Option<int?> stopAfter = new("--stop-after") { Description = "Stop after this many steps in this process (the schedule still spans --steps)." };
        var command = new Command("pretrain", "Pretrain a Llama-architecture model from scratch or from a trained model (--init-from).")
        {
            data, output, resume, hidden, layers, heads, kvHeads, intermediate, ropeTheta, initFrom, teacher, distillWeight, distillTemperature, validationSplit, steps, batch, accumulation, lr, minLr, warmup,
            weightDecay, clip, evalEvery, evalBatches, checkpointEvery, seed, threads, stopAfter,
        };
        command.SetAction(parse =>
        {
            var options = new PretrainOptions
            {
                Data = parse.GetRequiredValue(data).FullName,
                Output = parse.GetRequiredValue(output).FullName,
                Hidden = parse.GetValue(hidden),
                Layers = parse.GetValue(layers),
                Heads = parse.GetValue(heads),
                KvHeads = parse.GetValue(kvHeads),
                Intermediate = parse.GetValue(intermediate),
                RopeTheta = parse.GetValue(ropeTheta),
                InitFrom = parse.GetValue(initFrom)?.FullName,
                Teacher = parse.GetValue(teacher)?.FullName,
                DistillWeight = parse.GetValue(distillWeight),
                DistillTemperature = parse.GetValue(distillTemperature),
                ValidationSplit = parse.GetValue(validationSplit),
                Steps = parse.GetValue(steps),
                BatchSize = parse.GetValue(batch),
                Accumulation = parse.GetValue(accumulation),
                LearningRate = parse.GetValue(lr),
                MinLearningRate = parse.GetValue(minLr),
                Warmup = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(weightDecay),
                ClipNorm = parse.GetValue(clip),
                EvalEvery = parse.GetValue(evalEvery),
                EvalBatches = parse.GetValue(evalBatches),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Seed = parse.GetValue(seed),
                Threads = parse.GetValue(threads),
                StopAfter = parse.GetValue(stopAfter),
            };
            Validate(options);
            TextWriter console = parse.InvocationConfiguration.Output;
            if (!AnsiConsole.Profile.Capabilities.Interactive)
            {
                new Pretrainer(options, console).Run(parse.GetValue(resume));
                return 0;
            }
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask("pretrain", maxValue: options.Steps);
                    var trainer = new Pretrainer(options, TextWriter.Null, (step, loss, tokensPerSecond) =>
                    {
                        task.Value = step;
                        task.Description = $"step {step} loss {loss:F3} {tokensPerSecond:F0} tok/s";
                    });
                    trainer.Run(parse.GetValue(resume));
                });
            return 0;
        });
        return command;
    }

    private static void Validate(PretrainOptions o)
    {
        if (o.Hidden % o.Heads != 0) throw new ArgumentException($"--hidden {o.Hidden} must be divisible by --heads {o.Heads}");
        if (o.Heads % o.KvHeads != 0) throw new ArgumentException($"--heads {o.Heads} must be a multiple of --kv-heads {o.KvHeads}");
        if (o.Steps < 1 || o.BatchSize < 1 || o.Accumulation < 1 || o.EvalEvery < 1 || o.CheckpointEvery < 1)
            throw new ArgumentException("--steps, --batch-size, --accumulation, --eval-every and --checkpoint-every must be positive");
        if (o.RopeTheta <= 0) throw new ArgumentException("--rope-theta must be positive");
        if (o.InitFrom is string from && !File.Exists(Path.Combine(from, "config.json"))) throw new ArgumentException($"--init-from {from} has no config.json");
        if (o.Teacher is string t && !File.Exists(Path.Combine(t, "config.json"))) throw new ArgumentException($"--teacher {t} has no config.json");
        if (o.DistillWeight is < 0 or > 1) throw new ArgumentException("--distill-weight must be in [0, 1]");
        if (o.DistillTemperature <= 0) throw new ArgumentException("--distill-temperature must be positive");
        if (o.LearningRate <= 0 || o.MinLearningRate < 0 || o.MinLearningRate > o.LearningRate)
            throw new ArgumentException("--lr must be positive and --min-lr in [0, --lr]");
    }
}
