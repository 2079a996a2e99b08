using System.CommandLine;
using CodeGen.Model;
using CodeGen.Training.Data;
using CodeGen.Training.Pretraining;

namespace CodeGen.Training.Commands;

/// <summary><c>validate</c>: a model's validation cross-entropy on a shard set, over all positions and below / from a split position.</summary>
internal static class ValidateCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> model = new("--model") { Description = "Hugging Face model directory (config.json, model.safetensors).", Required = true };
        Option<DirectoryInfo> data = new("--data") { Description = "Shard directory from 'training shards' (its tokenizer must be the model's).", Required = true };
        Option<int?> sequences = new("--validation-sequences") { Description = "Score only the first N validation sequences (default: all)." };
        Option<int> split = new("--split") { DefaultValueFactory = _ => 512, Description = "Also report positions below and from this one (0 = off)." };
        Option<int> batch = new("--batch-size") { DefaultValueFactory = _ => 4, Description = "Sequences per forward pass." };
        Option<int> threads = new("--threads") { DefaultValueFactory = _ => 0, Description = "Torch threads (0 = default)." };
        var command = new Command("validate", "Validation cross-entropy of a model on a shard set, by position range.") { model, data, sequences, split, batch, threads };
        command.SetAction(parse =>
        {
            if (parse.GetValue(threads) is int n and > 0) TorchSharp.torch.set_num_threads(n);
            using ShardSet set = ShardSet.Open(parse.GetRequiredValue(data).FullName);
            using CausalLM loaded = CausalLM.Load(parse.GetRequiredValue(model).FullName, TorchSharp.torch.float32, TorchSharp.torch.CPU);
            if (loaded.Config.VocabSize != set.Index.VocabSize)
                throw new ArgumentException($"--model has vocabulary {loaded.Config.VocabSize}, --data {set.Index.VocabSize}");
            long[] rows = [.. set.Validation.Take(parse.GetValue(sequences) ?? set.Validation.Count)];
            int at = parse.GetValue(split);
            Pretrainer.ValidationResult result = Pretrainer.PositionLoss(loaded, set, rows, Math.Max(1, parse.GetValue(batch)), at);
            TextWriter output = parse.InvocationConfiguration.Output;
            output.WriteLine($"validation: {rows.Length:N0} sequences of {set.Index.SeqLen:N0} tokens; cross-entropy {result.Loss:F4} nats/token"
                + (result.Long is double l ? $"; positions 0-{at - 1} {result.Short:F4}, {at}-{set.Index.SeqLen - 1} {l:F4}" : ""));
            return 0;
        });
        return command;
    }
}
