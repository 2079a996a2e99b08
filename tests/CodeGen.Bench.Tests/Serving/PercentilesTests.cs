using CodeGen.Bench.Serving;

namespace CodeGen.Bench.Tests.Serving;

public sealed class PercentilesTests
{
    [Theory]
    [InlineData(50, 5.5)]
    [InlineData(95, 9.55)]
    [InlineData(99, 9.91)]
    [InlineData(0, 1)]
    [InlineData(100, 10)]
    public void Of_OneToTen_InterpolatesBetweenClosestRanks(double percent, double expected)
    {
        double[] values = [7, 3, 10, 1, 9, 2, 8, 4, 6, 5]; // order does not matter

        Assert.Equal(expected, Percentiles.Of(values, percent), 1e-12);
    }

    [Fact]
    public void Of_SingleValue_IsThatValueForEveryPercent()
    {
        Assert.Equal(42.0, Percentiles.Of([42.0], 99));
    }

    [Fact]
    public void Of_Empty_IsNaN()
    {
        Assert.True(double.IsNaN(Percentiles.Of([], 50)));
    }

    [Fact]
    public void Summarize_FourValues_GivesP50P95P99()
    {
        Quantiles q = Percentiles.Summarize([40.0, 10, 30, 20]);

        Assert.Equal(25, q.P50, 1e-9);
        Assert.Equal(38.5, q.P95, 1e-9);
        Assert.Equal(39.7, q.P99, 1e-9);
    }
}
