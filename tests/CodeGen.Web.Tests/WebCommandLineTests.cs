using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace CodeGen.Web.Tests;

public sealed class WebCommandLineTests
{
    [Fact]
    public void Invoke_NoArguments_BindsLoopback5080AndReadsResultsDb()
    {
        (int exitCode, WebOptions? options, _) = Run();

        Assert.Equal(0, exitCode);
        Assert.Equal(new WebOptions("results.db", "http://127.0.0.1:5080", TrainingDir: null), options);
    }

    [Fact]
    public async Task Build_DefaultOptions_ListensOnLoopback5080()
    {
        (_, WebOptions? options, _) = Run();

        await using WebApplication app = WebApp.Build(options!);

        Assert.Equal("http://127.0.0.1:5080", app.Configuration[WebHostDefaults.ServerUrlsKey]);
    }

    [Fact]
    public void Invoke_AllOptions_PassesThem()
    {
        (int exitCode, WebOptions? options, _) = Run("--db", "/data/r.db", "--urls", "http://0.0.0.0:80;https://[::1]:443", "--training-dir", "runs/");

        Assert.Equal(0, exitCode);
        Assert.Equal(new WebOptions("/data/r.db", "http://0.0.0.0:80;https://[::1]:443", "runs/"), options);
    }

    [Theory]
    [InlineData("127.0.0.1:5080", "--urls: '127.0.0.1:5080' is not an http or https address such as http://127.0.0.1:5080.")]
    [InlineData("http://127.0.0.1:port", "--urls: 'http://127.0.0.1:port' is not an http or https address such as http://127.0.0.1:5080.")]
    [InlineData(" ; ", "--urls must name at least one address, such as http://127.0.0.1:5080.")]
    public void Invoke_BadUrls_ReportsErrorAndExitsOneWithoutRunning(string urls, string message)
    {
        (int exitCode, WebOptions? options, string error) = Run("--urls", urls);

        Assert.Equal(1, exitCode);
        Assert.Null(options);
        Assert.StartsWith(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_EmptyDb_ReportsErrorAndExitsOne()
    {
        (int exitCode, WebOptions? options, string error) = Run("--db", "");

        Assert.Equal(1, exitCode);
        Assert.Null(options);
        Assert.StartsWith("--db must name a file.", error, StringComparison.Ordinal);
    }

    private static (int ExitCode, WebOptions? Options, string Error) Run(params string[] args)
    {
        WebOptions? seen = null;
        RootCommand root = WebCommandLine.Create((options, _) =>
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
