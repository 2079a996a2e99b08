using CodeGen.Model.Sampling;
using CodeGen.Server.Commands;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Commands;

public sealed class GenerateCommandTests
{
    [Fact]
    public void Run_Stories260KGreedyFromBos_PrintsLlama2cIdsAsLastLine()
    {
        var output = new StringWriter();
        var options = new GenerateOptions(Fixtures.Stories260K, [1], 20, SamplingOptions.Greedy, 0, CPU, float32);
        Assert.Equal(0, GenerateCommand.Run(options, output));
        string[] lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal("461,461,401,401,401,461,378,455,473,456,435,299,362,409,283,264,283,452,288,13", lines[^1]);
    }

    [Fact]
    public void Run_PrintLogits_OneLinePerPositionThenIds()
    {
        var output = new StringWriter();
        var options = new GenerateOptions(Fixtures.Stories260K, [1], 3, SamplingOptions.Greedy, 4, CPU, float32);
        GenerateCommand.Run(options, output);
        string[] lines = output.ToString().TrimEnd().Split('\n');
        Assert.Equal(4, lines.Length); // positions 0, 1, 2 and the ids
        Assert.StartsWith("logits[0]: 1.97387", lines[0]);
        Assert.Equal(4, lines[1].Split(' ').Length - 1);
        Assert.Equal("461,461,401", lines[^1]);
    }

    [Theory]
    [InlineData("", "--prompt-ids is empty; give comma-separated token ids such as 1,2,3")]
    [InlineData("1,-2", "--prompt-ids: '-2' is not a token id (a non-negative integer)")]
    [InlineData("1,abc", "--prompt-ids: 'abc' is not a token id (a non-negative integer)")]
    public void ParseIds_BadInput_NamesThePart(string text, string message)
    {
        Assert.Equal(message, Assert.Throws<ArgumentException>(() => GenerateCommand.ParseIds(text)).Message);
    }

    [Fact]
    public void ParseIds_WithSpaces_ParsesAll()
    {
        Assert.Equal([1, 22, 333], GenerateCommand.ParseIds(" 1, 22 ,333"));
    }
}
