using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Storage;

namespace CodeGen.Eval.Tests.Cli;

// `eval run` against the real server (server.dll, built beside these tests, serving the bundled model) started
// with a small --max-context, so that some HumanEval prompts fit with --max-tokens and some do not.
[Collection(SandboxCollection.Name)]
public sealed class RealServerContextTests(SandboxFixture fixture) : IDisposable
{
    private const int Context = 160;
    private const int MaxTokens = 32;
    private const int Problems = 6;
    private readonly string _directory = Directory.CreateTempSubdirectory("codegen-eval-context-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Run_SmallContextServer_PromptsThatDoNotFitRecordedAsPromptTooLongAndTheRestRun()
    {
        _ = fixture;
        string root = FindRoot();
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        string serverDll = Path.Combine(root, "server", "bin", configuration, "net10.0", "server.dll");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { serverDll, "--model", Path.Combine(root, "models", "codegen-tiny"), "--port", port.ToString(CultureInfo.InvariantCulture), "--max-context", $"{Context}", "--max-batch", "2" })
        {
            start.ArgumentList.Add(argument);
        }

        using Process server = Process.Start(start)!;
        server.OutputDataReceived += (_, _) => { };
        server.ErrorDataReceived += (_, _) => { };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            var url = new Uri($"http://127.0.0.1:{port}/");
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
            await WaitHealthyAsync(http, url, server);

            // What the server says of each prompt: its length in tokens when it fits at all (usage of a 1-token request).
            Problem[] problems = [.. BenchmarkCatalog.Load("humaneval").Problems.Take(Problems)];
            var expected = new Dictionary<string, string?>();
            foreach (Problem problem in problems)
            {
                using HttpResponseMessage response = await http.PostAsJsonAsync(new Uri(url, "v1/completions"), new { prompt = problem.Prompt, max_tokens = 1 });
                using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                expected[problem.TaskId] = response.StatusCode == HttpStatusCode.BadRequest
                    ? body.RootElement.GetProperty("error").GetProperty("message").GetString()
                    : body.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() is int p && p + MaxTokens > Context
                        ? $"prompt_too_long: prompt {p} tokens + max_tokens {MaxTokens} > context {Context} tokens"
                        : null;
            }

            int tooLong = expected.Values.Count(v => v is not null);
            Assert.InRange(tooLong, 1, Problems - 1); // the context splits these problems, so both paths run

            string db = Path.Combine(_directory, "results.db");
            (int exitCode, string output, string error) = EvalCli.Run(
                "run", "--benchmark", "humaneval", "--server", url.ToString(), "--max-tokens", $"{MaxTokens}", "--limit", $"{Problems}",
                "--db", db, "--name", "small-context", "--parallel", "2", "--min-pass", "1");

            using ResultStore store = ResultStore.OpenReadOnly(db);
            var samples = store.GetSamples(store.FindRun("small-context")!.Id).ToDictionary(s => s.Problem);
            int passed = samples.Values.Count(s => s.Status == "passed");
            string passAt1 = CodeGen.Eval.Cli.PassAtKCommand.Format(passed / (double)Problems);
            Assert.Equal(1, exitCode); // too-long prompts count as failures, so pass@1 stays below 1
            Assert.Equal($"pass@1 {passAt1} is below --min-pass 1\n", error);
            string[] lines = output.TrimEnd().Split('\n');
            Assert.Equal($"pass@1={passAt1} passed={passed} total={Problems}", lines[^1]);
            Assert.Equal($"prompt_too_long: {tooLong} of {Problems} problems did not fit the model's context with the requested max_tokens (not run, counted as failures; each sample's stderr gives the numbers)", lines[^2]);
            Assert.Contains($"prompt_too_long={tooLong}", lines[^3], StringComparison.Ordinal);

            foreach ((string task, string? reason) in expected)
            {
                if (reason is null)
                {
                    Assert.NotEqual("prompt_too_long", samples[task].Status);
                }
                else
                {
                    Assert.Equal("prompt_too_long", samples[task].Status);
                    Assert.Equal("", samples[task].Completion);
                    Assert.True(reason.StartsWith("prompt_too_long: ", StringComparison.Ordinal) ? samples[task].Stderr == reason : samples[task].Stderr.EndsWith($"(server: {reason})", StringComparison.Ordinal),
                        $"{task}: stderr '{samples[task].Stderr}', expected '{reason}'");
                }
            }
        }
        finally
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
        }
    }

    private static async Task WaitHealthyAsync(HttpClient http, Uri url, Process server)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(server.HasExited, "server.dll exited before it was healthy");
            try
            {
                if ((await http.GetAsync(new Uri(url, "health"))).StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        Assert.Fail("The server did not become healthy within 90 s");
    }

    private static string FindRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CodeGen.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No CodeGen.sln above {AppContext.BaseDirectory}");
    }
}
