using System.CommandLine;
using CodeGen.Eval.Cli;

namespace CodeGen.Eval.Tests.Cli;

public sealed class PassAtKCommandTests
{
    [Fact]
    public void Invoke_ValidArguments_PrintsValueAndExitsZero()
    {
        (int exitCode, string output, string error) = Run("passk", "--n", "10", "--c", "3", "--k", "5");

        Assert.Equal(0, exitCode);
        Assert.Equal("0.916667" + Environment.NewLine, output);
        Assert.Equal(string.Empty, error);
    }

    [Fact]
    public void Invoke_KGreaterThanN_PrintsMessageAndExitsOne()
    {
        (int exitCode, string output, string error) = Run("passk", "--n", "10", "--c", "3", "--k", "11");

        Assert.Equal(1, exitCode);
        Assert.Equal(string.Empty, output);
        Assert.Equal("error: k must be between 1 and n (10), got 11." + Environment.NewLine, error);
    }

    [Fact]
    public void Invoke_NotANumber_ReportsParseErrorAndExitsOne()
    {
        (int exitCode, _, string error) = Run("passk", "--n", "ten", "--c", "3", "--k", "1");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Cannot parse argument 'ten' for option '--n'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_MissingOption_ReportsWhichAndExitsOne()
    {
        (int exitCode, _, string error) = Run("passk", "--n", "10", "--c", "3");

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Option '--k' is required.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_Help_ListsPassKAndExitsZero()
    {
        (int exitCode, string output, _) = Run("--help");

        Assert.Equal(0, exitCode);
        Assert.Matches(@"\n  passk +Print the unbiased pass@k estimate", output);
        Assert.Matches(@"\n  run +Evaluate a model", output);
        Assert.Matches(@"\n  exec <file> +Run one program file in the sandbox", output);
    }

    [Theory]
    [InlineData(0.3000000000000001, "0.3")]
    [InlineData(1.0, "1")]
    [InlineData(0.0, "0")]
    [InlineData(11.0 / 12.0, "0.916667")]
    public void Format_Value_SixDecimalsWithoutTrailingZeros(double value, string expected)
    {
        Assert.Equal(expected, PassAtKCommand.Format(value));
    }

    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var configuration = new InvocationConfiguration { Output = output, Error = error };
        int exitCode = EvalCommandLine.Create().Parse(args).Invoke(configuration);
        return (exitCode, output.ToString(), error.ToString());
    }
}
