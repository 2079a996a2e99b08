using CodeGen.Eval.Metrics;

namespace CodeGen.Eval.Tests.Metrics;

public sealed class PassAtKTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Estimate_KIsOne_EqualsFractionCorrect()
    {
        // 1 - C(7,1)/C(10,1) = 1 - 7/10.
        Assert.Equal(0.3, PassAtK.Estimate(n: 10, c: 3, k: 1), Tolerance);
    }

    [Fact]
    public void Estimate_KIsFive_MatchesBinomialRatio()
    {
        // 1 - C(7,5)/C(10,5) = 1 - 21/252 = 11/12.
        Assert.Equal(1.0 - 21.0 / 252.0, PassAtK.Estimate(n: 10, c: 3, k: 5), Tolerance);
    }

    [Fact]
    public void Estimate_KIsTwo_MatchesBinomialRatio()
    {
        // 1 - C(3,2)/C(5,2) = 1 - 3/10.
        Assert.Equal(0.7, PassAtK.Estimate(n: 5, c: 2, k: 2), Tolerance);
    }

    [Fact]
    public void Estimate_NoneCorrect_ReturnsZero()
    {
        Assert.Equal(0.0, PassAtK.Estimate(n: 5, c: 0, k: 1));
        Assert.Equal(0.0, PassAtK.Estimate(n: 5, c: 0, k: 5));
    }

    [Theory]
    [InlineData(10, 8, 3)] // 2 failures, 3 draws.
    [InlineData(10, 10, 1)]
    [InlineData(1, 1, 1)]
    public void Estimate_FewerFailuresThanK_ReturnsOne(int n, int c, int k)
    {
        Assert.Equal(1.0, PassAtK.Estimate(n, c, k));
    }

    [Fact]
    public void Estimate_KEqualsNWithOneCorrect_ReturnsOne()
    {
        // n - c = 4 < k = 5: all five samples are drawn, so the correct one is among them.
        Assert.Equal(1.0, PassAtK.Estimate(n: 5, c: 1, k: 5));
    }

    [Fact]
    public void Estimate_LargeN_StaysFiniteWhereBinomialsOverflow()
    {
        // C(2000, 1000) overflows a double; the product form gives 1 - (1000/2000) = 0.5 for k = 1.
        Assert.Equal(0.5, PassAtK.Estimate(n: 2000, c: 1000, k: 1), Tolerance);
    }

    [Theory]
    [InlineData(0, 0, 1, "n")]
    [InlineData(-1, 0, 1, "n")]
    [InlineData(10, -1, 1, "c")]
    [InlineData(10, 11, 1, "c")]
    [InlineData(10, 3, 0, "k")]
    [InlineData(10, 3, 11, "k")]
    public void Estimate_OutOfRange_ThrowsNamingTheArgument(int n, int c, int k, string parameter)
    {
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(n, c, k));
        Assert.Equal(parameter, ex.ParamName);
    }

    [Fact]
    public void Estimate_KGreaterThanN_MessageStatesTheBound()
    {
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(() => PassAtK.Estimate(10, 3, 11));
        Assert.StartsWith("k must be between 1 and n (10), got 11.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_ThreeProblems_AveragesPerProblemEstimates()
    {
        SampleCounts[] problems = [new(10, 3), new(5, 0), new(5, 5)];

        // (0.3 + 0 + 1) / 3 for k = 1.
        Assert.Equal(1.3 / 3.0, PassAtK.Mean(problems, k: 1), Tolerance);
    }

    [Fact]
    public void Mean_NoProblems_Throws()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => PassAtK.Mean([], k: 1));
        Assert.Equal("problems", ex.ParamName);
    }

    [Fact]
    public void Mean_ProblemWithTooFewSamples_ThrowsForK()
    {
        ArgumentOutOfRangeException ex = Assert.Throws<ArgumentOutOfRangeException>(
            () => PassAtK.Mean([new SampleCounts(10, 3), new SampleCounts(2, 1)], k: 5));
        Assert.Equal("k", ex.ParamName);
    }
}
