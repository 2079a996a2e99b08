using System.CommandLine;
using CodeGen.Training.Distributed;
using CodeGen.Training.Lora;
using Spectre.Console;

namespace CodeGen.Training.Commands;

/// <summary>
/// <c>lora</c>: LoRA fine-tuning of a Hugging Face model on a code repository or prompt/completion pairs, written as a
/// PEFT adapter. Under an MPI launcher (<c>mpiexec.mpich -n N</c>) it runs data-parallel (<see cref="DataParallel.Create"/>).
/// </summary>
internal static class LoraCommand
{
    public static Command Create()
    {
        var d = new LoraOptions { Base = "", Data = "", Output = "" };
        Option<DirectoryInfo> baseModel = new("--base") { Description = "Base model directory (Hugging Face layout with tokenizer.json).", Required = true };
        Option<string> data = new("--data") { Description = "A code repository directory (read through the corpus filters, split by file) or a .jsonl file of {\"prompt\", \"completion\"} pairs (loss on the completion).", Required = true };
        Option<DirectoryInfo> output = new("--output") { Description = "Output directory: adapter_config.json, adapter_model.safetensors, metrics.jsonl, run.json, checkpoints/.", Required = true };
        Option<int> steps = new("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => d.Steps };
        Option<string> targets = new("--target-modules") { Description = "Comma-separated modules to adapt: q,k,v,o,gate,up,down (short or full names such as q_proj, lm_head).", DefaultValueFactory = _ => "q,k,v,o,gate,up,down" };
        Option<int> rank = new("--rank") { Description = "LoRA rank r.", DefaultValueFactory = _ => d.Rank };
        Option<double> alpha = new("--alpha") { Description = "lora_alpha: the update is scaled by alpha / r.", DefaultValueFactory = _ => d.Alpha };
        Option<double> dropout = new("--dropout") { Description = "Dropout on the update's input while training.", DefaultValueFactory = _ => d.Dropout };
        Option<bool> rsLora = new("--rslora") { Description = "Rank-stabilised scaling alpha / sqrt(r)." };
        Option<string> baseDType = new("--base-dtype") { Description = "dtype of the frozen base weights: float32 or bfloat16 (the adapter trains in float32).", DefaultValueFactory = _ => d.BaseDType };
        Option<bool> checkpointing = new("--gradient-checkpointing") { Description = "Recompute each layer's activations in the backward pass (less memory, about a third more compute)." };
        Option<int> gradAccum = new("--grad-accum") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => d.GradAccum };
        Option<int> batch = new("--batch-size") { Description = "Sequences per micro-batch over all workers (a multiple of the worker count).", DefaultValueFactory = _ => d.BatchSize };
        Option<int> seqLen = new("--seq-len") { Description = "Tokens per sequence.", DefaultValueFactory = _ => d.SeqLen };
        Option<double> lr = new("--lr") { Description = "Peak learning rate.", DefaultValueFactory = _ => d.LearningRate };
        Option<int> warmup = new("--warmup") { Description = "Linear warmup steps (then cosine decay to a tenth of --lr).", DefaultValueFactory = _ => d.Warmup };
        Option<double> weightDecay = new("--weight-decay") { Description = "Decoupled weight decay on the adapter.", DefaultValueFactory = _ => d.WeightDecay };
        Option<double> clip = new("--clip") { Description = "Gradient-norm clip (0 = off).", DefaultValueFactory = _ => d.ClipNorm };
        Option<int> evalEvery = new("--eval-every") { Description = "Held-out loss every N steps (also before the first and after the last; 0 = only then).", DefaultValueFactory = _ => d.EvalEvery };
        Option<double> valFraction = new("--val-fraction") { Description = "Fraction held out for validation (files of a repository, lines of a JSONL file).", DefaultValueFactory = _ => d.ValidationFraction };
        Option<int> evalSequences = new("--eval-sequences") { Description = "Held-out sequences scored per validation (0 = all).", DefaultValueFactory = _ => d.EvalSequences };
        Option<int> checkpointEvery = new("--checkpoint-every") { Description = "Checkpoint interval (steps).", DefaultValueFactory = _ => d.CheckpointEvery };
        Option<int> checksumEvery = new("--checksum-every") { Description = "Compare the adapter weights' checksum across workers every N steps.", DefaultValueFactory = _ => d.ChecksumEvery };
        Option<bool> resume = new("--resume") { Description = "Continue from the newest checkpoint in --output." };
        Option<int> seed = new("--seed") { Description = "Seed for the adapter's initialisation, data order, FIM and dropout.", DefaultValueFactory = _ => d.Seed };
        Option<string> extensions = new("--extensions") { Description = "File extensions read from a repository.", DefaultValueFactory = _ => ".cs,.py" };
        Option<string[]> exclude = new("--exclude") { Description = "Wildcard pattern of full paths to skip in a repository ('*' also matches '/'; repeatable).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => ["*/bin/*", "*/obj/*"] };
        Option<double> fimRate = new("--fim-rate") { Description = "Fraction of a repository's training files turned into fill-in-the-middle examples.", DefaultValueFactory = _ => d.FimRate };
        Option<int> threads = new("--threads") { Description = "Torch threads (0 = default).", DefaultValueFactory = _ => 0 };
        Option<int?> stopAfter = new("--stop-after") { Description = "Stop after this many steps in this process (the schedule still spans --steps)." };
        var command = new Command("lora", "LoRA fine-tuning of a model on a code repository or prompt/completion pairs; writes a PEFT adapter (data-parallel under mpiexec.mpich -n N).")
        {
            baseModel, data, output, steps, targets, rank, alpha, dropout, rsLora, baseDType, checkpointing, gradAccum, batch, seqLen, lr, warmup,
            weightDecay, clip, evalEvery, valFraction, evalSequences, checkpointEvery, checksumEvery, resume, seed, extensions, exclude, fimRate, threads, stopAfter,
        };
        command.SetAction(parse =>
        {
            var options = new LoraOptions
            {
                Base = parse.GetRequiredValue(baseModel).FullName,
                Data = Path.GetFullPath(parse.GetRequiredValue(data)),
                Output = parse.GetRequiredValue(output).FullName,
                Steps = parse.GetValue(steps),
                TargetModules = [.. Split(parse.GetValue(targets)!).Select(LoraOptions.ModuleName).Distinct()],
                Rank = parse.GetValue(rank),
                Alpha = parse.GetValue(alpha),
                Dropout = parse.GetValue(dropout),
                RsLora = parse.GetValue(rsLora),
                BaseDType = parse.GetValue(baseDType)!,
                GradientCheckpointing = parse.GetValue(checkpointing),
                GradAccum = parse.GetValue(gradAccum),
                BatchSize = parse.GetValue(batch),
                SeqLen = parse.GetValue(seqLen),
                LearningRate = parse.GetValue(lr),
                Warmup = parse.GetValue(warmup),
                WeightDecay = parse.GetValue(weightDecay),
                ClipNorm = parse.GetValue(clip),
                EvalEvery = parse.GetValue(evalEvery),
                ValidationFraction = parse.GetValue(valFraction),
                EvalSequences = parse.GetValue(evalSequences),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                ChecksumEvery = parse.GetValue(checksumEvery),
                Seed = parse.GetValue(seed),
                Extensions = [.. Split(parse.GetValue(extensions)!).Select(e => e.StartsWith('.') ? e : "." + e)],
                Excludes = parse.GetValue(exclude)!,
                FimRate = parse.GetValue(fimRate),
                Threads = parse.GetValue(threads),
                StopAfter = parse.GetValue(stopAfter),
            };
            using IDataParallel workers = DataParallel.Create();
            TextWriter console = parse.InvocationConfiguration.Output;
            bool bar = workers.IsRoot && ReferenceEquals(console, Console.Out) && AnsiConsole.Profile.Capabilities.Interactive;
            if (!bar)
            {
                new LoraTrainer(options, workers, console).Run(parse.GetValue(resume));
                return 0;
            }
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    ProgressTask task = context.AddTask("lora", maxValue: options.Steps);
                    var trainer = new LoraTrainer(options, workers, new ProgressLog(context), (step, loss, tokensPerSecond) =>
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

    private static IEnumerable<string> Split(string list) => list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // The trainer's log lines above the live progress bar.
    private sealed class ProgressLog(ProgressContext context) : TextWriter
    {
        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void WriteLine(string? value)
        {
            AnsiConsole.MarkupLine(Markup.Escape(value ?? ""));
            context.Refresh();
        }
    }
}
