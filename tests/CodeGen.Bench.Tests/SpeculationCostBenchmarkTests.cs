namespace CodeGen.Bench.Tests;

public sealed class SpeculationCostBenchmarkTests
{
    [Theory]
    // One drafted token at α = 0.5, free draft, verify as dear as a plain step: 1.5 tokens per plain step.
    [InlineData(0.5, 1, 1.0, 0.0, 1.0, 1.5)]
    // α = 0.8, k = 4: (1 − 0.8⁵) / 0.2 = 3.3616 tokens for 4 · 0.1 + 1.2 = 1.6 plain steps.
    [InlineData(0.8, 4, 1.0, 0.1, 1.2, 2.101)]
    // A draft as dear as the target never pays: at α = 0.6, k = 2, 1.96 tokens for 3 steps.
    [InlineData(0.6, 2, 1.0, 1.0, 1.0, 0.6533)]
    public void ExpectedSpeedup_HandComputedCases(double alpha, int k, double plain, double draft, double verify, double expected)
    {
        Assert.Equal(expected, SpeculationCostBenchmark.ExpectedSpeedup(alpha, k, plain, draft, verify), 3);
    }
}
