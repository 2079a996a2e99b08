using System.CommandLine;
using CodeGen.Server.Scheduling;
using Spectre.Console;

namespace CodeGen.Bench;

/// <summary>
/// <c>bench kv-capacity</c>: how many sequences of a realistic length mix fit a fixed KV budget when blocks are
/// handed out as sequences grow (the paged cache's <see cref="BlockManager"/>), against slot-based reservation
/// of the whole context per sequence. Lengths are drawn (seeded) from an exponential distribution with the given
/// mean, clipped to [16, max context]; sequences are admitted in order until the pool refuses one.
/// </summary>
internal static class KvCapacityBenchmark
{
    public static Command Create()
    {
        Option<int> maxContext = new("--max-context") { Description = "Context each slot reserves.", DefaultValueFactory = _ => 32768 };
        Option<int> slots = new("--slots") { Description = "Budget, in full-context slots.", DefaultValueFactory = _ => 8 };
        Option<int> mean = new("--mean") { Description = "Mean sequence length (prompt + completion).", DefaultValueFactory = _ => 2048 };
        Option<int> trials = new("--trials") { Description = "Seeded draws to average over.", DefaultValueFactory = _ => 20 };
        var command = new Command("kv-capacity", "Sequences that fit a KV budget: paged blocks against whole-context slots.") { maxContext, slots, mean, trials };
        command.SetAction(parse =>
        {
            int context = parse.GetValue(maxContext), budgetSlots = parse.GetValue(slots), meanLength = parse.GetValue(mean), runs = parse.GetValue(trials);
            long budget = (long)budgetSlots * context;
            var table = new Table().AddColumns("block size", "KV budget (positions)", "slot-based sequences", "paged sequences (mean of trials)", "min..max", "paged / slot-based");
            foreach (int blockSize in new[] { 16, 32 })
            {
                var counts = Enumerable.Range(0, runs).Select(seed => Fit(budget, blockSize, context, meanLength, seed)).ToArray();
                double average = counts.Average();
                table.AddRow($"{blockSize}", $"{budget:N0}", $"{budgetSlots}", $"{average:F1}", $"{counts.Min()}..{counts.Max()}", $"{average / budgetSlots:F1}x");
            }
            AnsiConsole.WriteLine($"length mix: exponential, mean {meanLength}, clipped to [16, {context}]; {runs} seeded trials");
            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static int Fit(long budget, int blockSize, int context, int mean, int seed)
    {
        var random = new Random(seed);
        var blocks = new BlockManager((int)(budget / blockSize), blockSize, prefixCaching: false);
        var none = new List<(int, int)>();
        for (int id = 0; ; id++)
        {
            int length = (int)Math.Clamp(-mean * Math.Log(1 - random.NextDouble()), 16, context);
            blocks.Begin(id, [0]);
            if (!blocks.Reserve(id, length, none)) return id;
        }
    }
}
