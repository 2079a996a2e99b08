namespace CodeGen.Server.Tests.Engine;

/// <summary>Tests that read process-wide memory run alone, after the parallel tests, so others' allocations do not count.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement";
}
