using System.CommandLine;
using CodeGen.Training.Data;

namespace CodeGen.Training.Commands;

/// <summary><c>baseline</c>: the unigram cross-entropy of a shard set's validation split, to compare with a model's validation loss.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> data = new("--data") { Description = "Shard directory from 'training shards'.", Required = true };
        Option<int?> sequences = new("--validation-sequences") { Description = "Score only the first N validation sequences (pretrain's --eval-batches × --batch-size)." };
        var command = new Command("baseline", "Unigram baseline: cross-entropy of token frequencies on the validation split.") { data, sequences };
        command.SetAction(parse =>
        {
            using ShardSet set = ShardSet.Open(parse.GetRequiredValue(data).FullName);
            (double entropy, double validation, long tokens) = UnigramBaseline.Measure(set, parse.GetValue(sequences));
            parse.InvocationConfiguration.Output.WriteLine(
                $"unigram: train entropy {entropy:F4} nats/token; validation cross-entropy {validation:F4} nats/token over {tokens:N0} tokens");
            return 0;
        });
        return command;
    }
}
