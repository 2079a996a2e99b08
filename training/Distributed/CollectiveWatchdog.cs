using System.Diagnostics;

namespace CodeGen.Training.Distributed;

/// <summary>
/// Bounds the time a rank waits inside one collective. Every rank of a data-parallel step reaches the same
/// collective within about a step's work of each other; a rank still waiting after <see cref="Timeout"/> is
/// waiting for one that died or hung, and MPI itself would wait for ever. The watchdog then names the collective,
/// its call count and this rank, and calls <c>fail</c> (which ends the job).
/// </summary>
internal sealed class CollectiveWatchdog : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Timer _timer;
    private readonly Action<string> _fail;
    private readonly string _rank;
    private string? _operation;
    private long _call;
    private readonly Stopwatch _waiting = new();

    /// <param name="timeout">How long one collective may wait; <see cref="System.Threading.Timeout.InfiniteTimeSpan"/> turns the watchdog off.</param>
    /// <param name="rank">This worker, for the message ("rank 1 of 2").</param>
    /// <param name="fail">Called on a timer thread with the message.</param>
    public CollectiveWatchdog(TimeSpan timeout, string rank, Action<string> fail)
    {
        Timeout = timeout;
        _rank = rank;
        _fail = fail;
        _timer = new Timer(_ => Expired());
    }

    public TimeSpan Timeout { get; }

    /// <summary>Starts timing call number <paramref name="call"/> of <paramref name="operation"/>; dispose the result when it returns.</summary>
    public Scope Enter(string operation, long call)
    {
        lock (_gate)
        {
            _operation = operation;
            _call = call;
            _waiting.Restart();
        }
        if (Timeout != System.Threading.Timeout.InfiniteTimeSpan) _timer.Change(Timeout, System.Threading.Timeout.InfiniteTimeSpan);
        return new Scope(this);
    }

    private void Leave()
    {
        _timer.Change(System.Threading.Timeout.Infinite, System.Threading.Timeout.Infinite);
        lock (_gate) _operation = null;
    }

    private void Expired()
    {
        string message;
        lock (_gate)
        {
            if (_operation is null) return;
            if (_waiting.Elapsed < Timeout)
            {
                // Early (timer granularity), or the previous call's late callback finding a newer call: wait the rest.
                _timer.Change(Timeout - _waiting.Elapsed, System.Threading.Timeout.InfiniteTimeSpan);
                return;
            }
            message = $"{_rank} waited {_waiting.Elapsed.TotalSeconds:F1} s in {_operation} (call {_call}) for the other ranks, "
                + $"longer than the collective timeout of {Timeout.TotalSeconds:0.#} s: another rank died or hung; ending the job "
                + $"(set {MpiDataParallel.TimeoutVariable} to wait longer, 0 to wait for ever)";
        }
        _fail(message);
    }

    public void Dispose() => _timer.Dispose();

    /// <summary>One timed collective.</summary>
    public readonly struct Scope(CollectiveWatchdog owner) : IDisposable
    {
        public void Dispose() => owner.Leave();
    }
}
