using System.Diagnostics;
using System.Collections.Concurrent;
using System.Threading.Channels;
using CodeGen.Model;
using CodeGen.Server.Backends;
using CodeGen.Server.Decoding.Speculative;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Engine;

/// <summary>
/// The engine: one background thread that owns the backend and the scheduler and repeats schedule → execute →
/// update. Every entry point (the HTTP endpoints, <c>server generate</c>, tests) submits through
/// <see cref="TrySubmit"/> and reads the sequences' channels. The engine owns each sequence's admission from
/// submission until the scheduler finishes it, whichever way it ends (stop, length, cancellation by a client that
/// left, timeout, error, shutdown). A failed step fails the sequences in it and the loop keeps serving.
/// </summary>
internal sealed partial class EngineLoop : IHostedService, IDisposable
{
    private readonly ModelHost _host;
    private readonly EngineOptions _options;
    private readonly EngineMetrics _metrics;
    private readonly ILogger<EngineLoop> _logger;
    private readonly ConcurrentQueue<SequenceState> _incoming = new();
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private int _inFlight;
    private long _nextId;
    private volatile bool _accepting = true;
    private int _disposed;

    public EngineLoop(ModelHost host, EngineOptions options, EngineMetrics metrics, ILogger<EngineLoop> logger)
    {
        _host = host;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public EngineOptions Options => _options;

    /// <summary>Sequences submitted and not yet finished (waiting or running).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Queues the choices of one request (n &gt; 1: the later ones share the first one's prompt blocks); null with a
    /// reason when the server is saturated or shutting down.
    /// </summary>
    public IReadOnlyList<ChannelReader<TokenEvent>>? TrySubmit(IReadOnlyList<GenerationJob> jobs, CancellationToken cancellation, out string? rejection)
    {
        rejection = null;
        if (!_accepting)
        {
            rejection = "shutting down";
            return null;
        }
        // Over the limit is refused, except a request alone in an idle engine (its n may exceed a tiny limit).
        int inFlight = Interlocked.Add(ref _inFlight, jobs.Count);
        if (inFlight > _options.MaxQueue + _options.MaxBatch && inFlight > jobs.Count)
        {
            Interlocked.Add(ref _inFlight, -jobs.Count);
            rejection = "queue full";
            return null;
        }
        var readers = new List<ChannelReader<TokenEvent>>(jobs.Count);
        DateTime deadline = DateTime.UtcNow + _options.RequestTimeout;
        SequenceState? first = null;
        foreach (GenerationJob job in jobs)
        {
            var channel = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
            SequenceState? parent = first is not null && first.Job.Adapter == job.Adapter && first.Job.PromptIds.SequenceEqual(job.PromptIds) ? first : null;
            var state = new SequenceState(Interlocked.Increment(ref _nextId), job, channel, _host.Tokenizer, cancellation, deadline,
                () => Interlocked.Decrement(ref _inFlight), parent, _metrics);
            first ??= state;
            readers.Add(channel.Reader);
            _incoming.Enqueue(state);
        }
        _signal.Release();
        return readers;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "codegen-engine" };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>Graceful shutdown: stop accepting, let submitted sequences finish (bounded by the host's timeout), then stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _accepting = false;
        while (InFlight > 0 && !cancellationToken.IsCancellationRequested)
            await Task.Delay(10, CancellationToken.None);
        _stop.Cancel();
        _signal.Release();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        IModelBackend backend;
        IModelBackend? draft;
        try
        {
            backend = _host.GetAsync().GetAwaiter().GetResult();
            draft = _host.GetDraftAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ModelLoadException or IOException or ArgumentException)
        {
            LogModelFailed(e.Message);
            DrainWithError($"model failed to load: {e.Message}");
            return;
        }
        var scheduler = new Scheduler(backend, _options, _metrics);
        var runner = new ModelRunner(backend);
        IDraftProposer[] proposers = draft is null ? [new NgramProposer()] : [new NgramProposer(), new DraftModelProposer(draft)];
        using var speculation = new SpeculativeDecoding(proposers, backend.MaxContext);
        _metrics.KvCacheShape(backend.TotalBlocks, backend.BlockSize);
        while (!_stop.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out SequenceState? state)) scheduler.Enqueue(state);
            if (scheduler.IsIdle)
            {
                _metrics.Scheduled(0, 0, backend.UsedBlocks);
                _signal.Wait(TimeSpan.FromMilliseconds(200));
                continue;
            }
            ScheduledBatch batch;
            try
            {
                batch = scheduler.Schedule();
            }
            catch (Exception e)
            {
                // Top of a long-lived loop: a fault outside any step ends what is queued, and the engine keeps serving.
                LogStepFailed(e);
                scheduler.FailAll("error", "internal error while scheduling");
                continue;
            }
            if (batch.Sequences.Count == 0)
            {
                _signal.Wait(TimeSpan.FromMilliseconds(5)); // waiting for memory or for a parent's prefill
                continue;
            }
            try
            {
                long started = Stopwatch.GetTimestamp();
                StepOutput output = runner.Execute(batch);
                _metrics.StepTime(Stopwatch.GetElapsedTime(started));
                scheduler.Update(batch, output);
                speculation.Propose(scheduler.RunningSequences);
            }
            catch (Exception e)
            {
                // A failed step ends only the sequences in it.
                LogStepFailed(e);
                scheduler.Fail(batch, "internal error while generating");
            }
        }
        scheduler.FailAll("cancelled", "server shutting down");
        DrainWithError("server shutting down");
    }

    private void DrainWithError(string message)
    {
        while (true)
        {
            while (_incoming.TryDequeue(out SequenceState? state))
            {
                state.Output.Writer.TryWrite(new TokenEvent(-1, "", null, null, "error", message));
                state.Output.Writer.TryComplete();
                state.MarkFinished();
            }
            if (_stop.IsCancellationRequested) return;
            _signal.Wait(TimeSpan.FromMilliseconds(200));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return; // registered both as a singleton and a hosted service
        _accepting = false;
        _stop.Cancel();
        _signal.Release();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
        _signal.Dispose();
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Engine step failed; its requests were ended with an error")]
    private partial void LogStepFailed(Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Error, Message = "Model failed to load: {Message}")]
    private partial void LogModelFailed(string message);
}
