using System.Text.Json.Nodes;
using CodeGen.Bench.Serving;

namespace CodeGen.Bench.Tests;

public sealed class ServeBenchmarkTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://localhost:9000/")]
    [InlineData("http://[::1]:8080")]
    [InlineData("https://127.0.0.2")]
    public void RequireLoopback_LoopbackHost_Accepted(string url)
    {
        Assert.Equal(new Uri(url), ServeBenchmark.RequireLoopback(url));
    }

    [Fact]
    public void RequireLoopback_RemoteHost_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ServeBenchmark.RequireLoopback("http://10.0.0.5:8080"));

        Assert.Equal("--server 'http://10.0.0.5:8080' is not a loopback address: bench serve only loads a server on this machine", e.Message);
    }

    [Fact]
    public void ParseLevels_UnsortedWithDuplicates_SortedDistinct()
    {
        Assert.Equal([1, 4, 16], ServeBenchmark.ParseLevels("16, 1,4,4"));
    }

    [Fact]
    public void ParseLevels_Zero_Rejected()
    {
        var e = Assert.Throws<ArgumentException>(() => ServeBenchmark.ParseLevels("1,0"));

        Assert.Equal("--concurrency: '0' is not a positive integer", e.Message);
    }

    [Fact]
    public void EditorPrompt_Step2ThreeChars_AddsSixTypedCharacters()
    {
        JsonNode prompt = ServeBenchmark.EditorPrompt(2, 3, null);

        Assert.Equal(ServePrompts.EditorPrefix + "def re", prompt.GetValue<string>());
    }

    [Fact]
    public void EditorPrompt_Ids_AppendsIdsCyclically()
    {
        JsonNode prompt = ServeBenchmark.EditorPrompt(1, 3, [5, 6]);

        Assert.Equal("[5,6,5,6,5]", prompt.ToJsonString());
    }
}
