using System.Collections.Concurrent;
using System.Threading.Channels;
using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Engine;

/// <summary>
/// The engine: one background thread that owns the model, the KV cache and the scheduler, and repeats
/// schedule → execute → update. Requests arrive through <see cref="TrySubmit"/> and leave through their
/// channels. A failed step fails the requests in it and the loop keeps serving.
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
    private int _pending;
    private volatile bool _accepting = true;
    private volatile int _slotsUsed;
    private int _disposed;

    public EngineLoop(ModelHost host, EngineOptions options, EngineMetrics metrics, ILogger<EngineLoop> logger)
    {
        _host = host;
        _options = options;
        _metrics = metrics;
        _logger = logger;
    }

    public EngineOptions Options => _options;

    /// <summary>KV-cache slots held right now (for tests and metrics).</summary>
    public int SlotsUsed => _slotsUsed;

    /// <summary>Queues a sequence; null with a reason when the server is saturated or shutting down.</summary>
    public ChannelReader<TokenEvent>? TrySubmit(GenerationJob job, CancellationToken cancellation, out string? rejection)
    {
        rejection = null;
        if (!_accepting)
        {
            rejection = "shutting down";
            return null;
        }
        if (Interlocked.Increment(ref _pending) > _options.MaxQueue + _options.MaxBatch)
        {
            Interlocked.Decrement(ref _pending);
            rejection = "queue full";
            return null;
        }
        var channel = Channel.CreateUnbounded<TokenEvent>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var state = new SequenceState(job, channel, _host.Tokenizer, cancellation, DateTime.UtcNow + _options.RequestTimeout);
        channel.Reader.Completion.ContinueWith(_ => Interlocked.Decrement(ref _pending), TaskScheduler.Default);
        _incoming.Enqueue(state);
        _signal.Release();
        return channel.Reader;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = "codegen-engine" };
        _thread.Start();
        return Task.CompletedTask;
    }

    /// <summary>Graceful shutdown: stop accepting, let running requests finish (bounded by the host's timeout), then stop.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _accepting = false;
        while (Volatile.Read(ref _pending) > 0 && !cancellationToken.IsCancellationRequested)
            await Task.Delay(20, CancellationToken.None);
        _stop.Cancel();
        _signal.Release();
        _thread?.Join(TimeSpan.FromSeconds(5));
    }

    private void Run()
    {
        CausalLM model;
        try
        {
            model = _host.GetAsync().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is ModelLoadException or IOException or ArgumentException)
        {
            LogModelFailed(e.Message);
            DrainWithError($"model failed to load: {e.Message}");
            return;
        }
        int context = model.Config.MaxPositionEmbeddings;
        using KvCache cache = model.CreateCache(_options.MaxBatch, context);
        var slots = new SlotAllocator(cache, _options.PrefixCache);
        var scheduler = new Scheduler(slots, _options, context, _host.Tokenizer, _metrics);
        var runner = new ModelRunner(model, cache);
        while (!_stop.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out SequenceState? state)) scheduler.Enqueue(state);
            if (scheduler.IsIdle)
            {
                _metrics.Scheduled(0, 0, 0, slots.TotalSlots);
                _slotsUsed = 0;
                _signal.Wait(TimeSpan.FromMilliseconds(200));
                continue;
            }
            try
            {
                ScheduledBatch batch = scheduler.Schedule();
                _slotsUsed = slots.TotalSlots - slots.FreeSlots;
                if (batch.Sequences.Count == 0) continue;
                StepOutput output = runner.Execute(batch);
                scheduler.Update(batch, output);
                _slotsUsed = slots.TotalSlots - slots.FreeSlots;
            }
            catch (Exception e)
            {
                // Top of a long-lived loop: fail the affected requests, keep serving.
                LogStepFailed(e);
                scheduler.FailAll("internal error while generating");
            }
        }
    }

    private void DrainWithError(string message)
    {
        while (!_stop.IsCancellationRequested)
        {
            while (_incoming.TryDequeue(out SequenceState? state))
            {
                state.Output.Writer.TryWrite(new TokenEvent(-1, "", null, null, "error", message));
                state.Output.Writer.TryComplete();
            }
            _signal.Wait(TimeSpan.FromMilliseconds(200));
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return; // registered both as a singleton and a hosted service
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
