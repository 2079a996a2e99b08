using CodeGen.Bench.Serving;

namespace CodeGen.Bench.Tests.Serving;

public sealed class LevelSummaryTests
{
    [Fact]
    public void From_MixedResults_CountsErrorsByKindAndAggregatesTokens()
    {
        StreamResult[] results =
        [
            new() { Tokens = 10, TimeToFirstToken = 0.100, InterTokenLatencies = [0.010, 0.020] },
            new() { Tokens = 6, TimeToFirstToken = 0.300, InterTokenLatencies = [0.030], Disconnected = true },
            new() { Error = "HTTP 503" },
            new() { Error = "HTTP 503" },
            new() { Error = "timeout", Tokens = 4, TimeToFirstToken = 0.200 },
        ];

        LevelSummary s = LevelSummary.From(results, wallSeconds: 2.0);

        Assert.Equal(5, s.Requests);
        Assert.Equal(1, s.Succeeded);
        Assert.Equal(1, s.Disconnected);
        Assert.Equal(2, s.Errors.Count);
        Assert.Equal("HTTP 503×2, timeout×1", s.ErrorText);
        Assert.Equal(20, s.Tokens);
        Assert.Equal(10.0, s.TokensPerSecond);
        Assert.Equal(200, s.TimeToFirstTokenMs.P50, 1e-9);
        Assert.Equal(20, s.InterTokenLatencyMs.P50, 1e-9);
        Assert.Equal(29.8, s.InterTokenLatencyMs.P99, 1e-9);
    }

    [Fact]
    public void From_NoResults_NaNLatenciesPrintAsDash()
    {
        LevelSummary s = LevelSummary.From([], wallSeconds: 0);

        Assert.Equal("0", s.ErrorText);
        Assert.Equal("-", LevelSummary.Format(s.TimeToFirstTokenMs.P95));
        Assert.Equal("-", LevelSummary.Format(s.TokensPerSecond));
    }
}
