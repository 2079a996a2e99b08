using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace CodeGen.Lsp.Tests;

/// <summary>
/// The real CodeGen server (server.dll, built beside these tests) serving the bundled models/codegen-tiny on a
/// free loopback port, as a separate process: the language server reaches it over HTTP only, as in use.
/// </summary>
public sealed class ServerProcessFixture : IAsyncLifetime
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output = new();
    private Process? _process;

    public Uri BaseAddress { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static string RepositoryRoot { get; } = FindRoot();

    public static string ServerDll
    {
        get
        {
            // The tests' own configuration (Debug or Release) is a folder of their output path.
            string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
            return Path.Combine(RepositoryRoot, "server", "bin", configuration, "net10.0", "server.dll");
        }
    }

    public async Task InitializeAsync()
    {
        int port = FreePort();
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            ServerDll, "--model", Path.Combine(RepositoryRoot, "models", "codegen-tiny"),
            "--port", port.ToString(CultureInfo.InvariantCulture), "--max-batch", "4",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.ErrorDataReceived += (_, e) => _output.Enqueue(e.Data ?? "");
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (DateTime.UtcNow < deadline)
        {
            Assert.False(_process.HasExited, $"{ServerDll} exited before it was healthy: {string.Join('\n', _output)}");
            try
            {
                if ((await Http.GetAsync(new Uri(BaseAddress, "/health"))).StatusCode == HttpStatusCode.OK)
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

    /// <summary>The value of one Prometheus series, e.g. <c>codegen_sequences_finished_total{reason="cancelled"}</c>; 0 when absent.</summary>
    public async Task<double> MetricAsync(string series)
    {
        string text = await Http.GetStringAsync(new Uri(BaseAddress, "/metrics"));
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>Sequences the server has finished for any reason: one per completion request it took.</summary>
    public async Task<double> SequencesAsync()
    {
        string text = await Http.GetStringAsync(new Uri(BaseAddress, "/metrics"));
        return text.Split('\n')
            .Where(l => l.StartsWith("codegen_sequences_finished_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
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
