using System.CommandLine;

namespace CodeGen.Lsp.Tests;

public sealed class LspCommandLineTests
{
    [Fact]
    public void Invoke_NoArguments_UsesLocalServerAndNoKey()
    {
        (int exitCode, LspOptions? options, _) = Run();

        Assert.Equal(0, exitCode);
        Assert.Equal(new LspOptions(new Uri("http://127.0.0.1:8080/"), null), options);
    }

    [Fact]
    public void Invoke_ServerAndKey_PassesBoth()
    {
        (int exitCode, LspOptions? options, _) = Run("--server", "https://gpu-box:9000/base", "--api-key", "k-123");

        Assert.Equal(0, exitCode);
        Assert.Equal(new LspOptions(new Uri("https://gpu-box:9000/base"), "k-123"), options);
    }

    [Theory]
    [InlineData("not-a-url")]
    [InlineData("ftp://127.0.0.1/")]
    public void Invoke_ServerNotHttpUrl_ReportsErrorAndExitsOneWithoutRunning(string server)
    {
        (int exitCode, LspOptions? options, string error) = Run("--server", server);

        Assert.Equal(1, exitCode);
        Assert.Null(options);
        Assert.StartsWith($"--server must be an absolute http or https URL, got '{server}'.", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ToString_WithApiKey_DoesNotRevealIt()
    {
        var options = new LspOptions(LspOptions.DefaultServer, "secret-key");

        Assert.Equal("LspOptions { Server = http://127.0.0.1:8080/, ApiKey = (set) }", options.ToString());
    }

    private static (int ExitCode, LspOptions? Options, string Error) Run(params string[] args)
    {
        LspOptions? seen = null;
        RootCommand root = LspCommandLine.Create((options, _) =>
        {
            seen = options;
            return Task.FromResult(0);
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, seen, error.ToString());
    }
}
