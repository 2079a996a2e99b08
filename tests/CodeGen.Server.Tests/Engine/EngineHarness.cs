using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Server.Engine;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Engine;

/// <summary>The engine without HTTP over a model directory, with a <see cref="TestBackend"/> around the real backend.</summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(ModelHost host, EngineLoop loop, EngineMetrics metrics, TestBackend backend, RecordingLogger<EngineLoop> log)
    {
        Log = log;
        Host = host;
        Loop = loop;
        Metrics = metrics;
        Backend = backend;
    }

    public ModelHost Host { get; }

    public EngineLoop Loop { get; }

    public EngineMetrics Metrics { get; }

    public TestBackend Backend { get; }

    /// <summary>The engine's warnings and errors, with their exceptions.</summary>
    public RecordingLogger<EngineLoop> Log { get; }

    public static async Task<EngineHarness> StartAsync(string modelDirectory, EngineOptions? options = null, IReadOnlyList<AdapterSpec>? adapters = null)
    {
        EngineOptions engine = options ?? new EngineOptions();
        engine.Validate();
        TestBackend? wrapped = null;
        var host = new ModelHost(modelDirectory, float32, CPU, engine, adapters, decorate: b => wrapped = new TestBackend(b));
        await host.GetAsync();
        var metrics = new EngineMetrics();
        var log = new RecordingLogger<EngineLoop>();
        var loop = new EngineLoop(host, engine, metrics, log);
        await loop.StartAsync(CancellationToken.None);
        return new EngineHarness(host, loop, metrics, wrapped!, log);
    }

    public static GenerationJob Job(IReadOnlyList<int> prompt, int maxTokens, SamplingOptions? sampling = null, LogitsObserver? observe = null, IReadOnlyList<int>? stopIds = null) =>
        new("test", prompt, maxTokens, sampling ?? SamplingOptions.Greedy, [], stopIds ?? [], null) { ObserveLogits = observe };

    public IReadOnlyList<ChannelReader<TokenEvent>> Submit(IReadOnlyList<GenerationJob> jobs, CancellationToken cancellation = default) =>
        Loop.TrySubmit(jobs, cancellation, out string? rejection) ?? throw new InvalidOperationException($"rejected: {rejection}");

    /// <summary>Reads a sequence to its end: its tokens and finish reason.</summary>
    public static async Task<(List<int> Tokens, string? Finish)> ReadAsync(ChannelReader<TokenEvent> reader)
    {
        var tokens = new List<int>();
        string? finish = null;
        await foreach (TokenEvent e in reader.ReadAllAsync())
        {
            if (e.TokenId >= 0) tokens.Add(e.TokenId);
            finish = e.FinishReason ?? finish;
        }
        return (tokens, finish);
    }

    /// <summary>Reads a sequence to its end: its tokens, its text, its finish reason and the engine's stop reason.</summary>
    public static async Task<(List<int> Tokens, string Text, string? Finish, string? StopReason)> ReadTextAsync(ChannelReader<TokenEvent> reader)
    {
        var tokens = new List<int>();
        var text = new System.Text.StringBuilder();
        string? finish = null, stopReason = null;
        await foreach (TokenEvent e in reader.ReadAllAsync())
        {
            if (e.TokenId >= 0) tokens.Add(e.TokenId);
            text.Append(e.Text);
            finish = e.FinishReason ?? finish;
            stopReason = e.StopReason ?? stopReason;
        }
        return (tokens, text.ToString(), finish, stopReason);
    }

    public async Task<(List<int> Tokens, string? Finish)> RunAsync(GenerationJob job) => await ReadAsync(Submit([job])[0]);

    /// <summary>Waits (bounded) until every submitted sequence has finished.</summary>
    public async Task WaitIdleAsync()
    {
        for (int i = 0; i < 400 && Loop.InFlight > 0; i++) await Task.Delay(10);
        Assert.Equal(0, Loop.InFlight);
    }

    public async ValueTask DisposeAsync()
    {
        Backend.Gated = false;
        Backend.Release(1000);
        await Loop.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Loop.Dispose();
        Host.Dispose();
    }
}
