using CodeGen.Model.Sampling;

namespace CodeGen.Model.Tests.Sampling;

public sealed class StopSequenceMatcherTests
{
    [Fact]
    public void Append_StopSplitAcrossChunks_HoldsBackThenCutsBeforeIt()
    {
        var matcher = new StopSequenceMatcher(["\ndef "]);
        Assert.Equal("return x", matcher.Append("return x"));
        Assert.Equal("", matcher.Append("\nde")); // could be the start of "\ndef "
        Assert.Equal("", matcher.Append("f foo"));
        Assert.True(matcher.Stopped);
        Assert.Equal("", matcher.Flush());
    }

    [Fact]
    public void Append_PrefixThatDoesNotComplete_IsReleased()
    {
        var matcher = new StopSequenceMatcher(["\nclass"]);
        Assert.Equal("a", matcher.Append("a\ncl"));
        Assert.Equal("\nclub", matcher.Append("ub"));
        Assert.False(matcher.Stopped);
    }

    [Fact]
    public void Append_SeveralStops_EarliestWins()
    {
        var matcher = new StopSequenceMatcher(["END", "\n\n"]);
        Assert.Equal("x = 1", matcher.Append("x = 1\n\ny END"));
        Assert.True(matcher.Stopped);
        Assert.Equal("", matcher.Append("more"));
    }

    [Fact]
    public void Flush_NoStop_ReturnsHeldText()
    {
        var matcher = new StopSequenceMatcher(["###"]);
        Assert.Equal("ab", matcher.Append("ab##"));
        Assert.Equal("##", matcher.Flush());
    }
}
