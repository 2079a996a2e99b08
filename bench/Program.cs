using System.CommandLine;
using CodeGen.Bench;

// Benchmarks that print tables (timings never go in pass/fail tests). See docs/BENCHMARKS.md.
var root = new RootCommand("CodeGen benchmarks.") { DecodeBenchmark.Create(), ServeBenchmark.Create(), KvCapacityBenchmark.Create(), LspBenchmark.Create(), SpeculationCostBenchmark.Create(), LoraBenchmark.Create(), AdapterBenchmark.Create() };
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 1;
}
