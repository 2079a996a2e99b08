using System.Globalization;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using MPI;

namespace CodeGen.Training.Distributed;

/// <summary>
/// The workers of a job started by <c>mpiexec.mpich -n N</c>: MPI.NET over MPICH, one process per device. Each
/// collective runs under a <see cref="CollectiveWatchdog"/>, so a rank that dies or hangs ends the job with a
/// message instead of leaving the others waiting for ever.
/// </summary>
internal sealed class MpiDataParallel : IDataParallel
{
    /// <summary>Seconds one collective may wait for the other ranks (default <see cref="DefaultTimeout"/>; 0 = no limit).</summary>
    public const string TimeoutVariable = "CODEGEN_MPI_COLLECTIVE_TIMEOUT";

    /// <summary>
    /// Long enough for ranks whose steps differ in length (rank 0 also writes checkpoints), short enough that a
    /// hung job is noticed: a dead rank is normally noticed sooner, by the launcher.
    /// </summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(300);

    private static int _created;
    private static MpiDataParallel? _current;

    private readonly MPI.Environment _environment;
    private readonly CollectiveWatchdog _watchdog;
    private long _averages, _comparisons, _barriers;
    private bool _disposed;

    private MpiDataParallel(MPI.Environment environment, int rank, int size, int localRank, TimeSpan timeout)
    {
        _environment = environment;
        Rank = rank;
        Size = size;
        LocalRank = localRank;
        _watchdog = new CollectiveWatchdog(timeout, $"rank {rank} of {size}", Fail);
    }

    public int Rank { get; }

    public int Size { get; }

    public int LocalRank { get; }

    /// <summary>How long one collective may wait for the other ranks.</summary>
    public TimeSpan CollectiveTimeout => _watchdog.Timeout;

    /// <summary>
    /// Initialises MPI for the job <paramref name="launcher"/> started and checks that this process joined it;
    /// throws <see cref="InvalidOperationException"/> naming what is wrong (no libmpich, N one-rank worlds).
    /// </summary>
    /// <param name="library">The MPICH library to load (tests name one that does not exist).</param>
    public static MpiDataParallel Start(MpiLauncher launcher, TimeSpan timeout, string library = MpiLibrary.FileName)
    {
        if (!MpiLibrary.TryLoad(library))
            throw new InvalidOperationException(
                $"MPI launch detected ({launcher.Name}{(launcher.Variable.Length > 0 ? ", " + launcher.Variable : "")}) but {library} "
                + "was not found: install MPICH (apt-get install mpich) and launch with mpiexec.mpich");
        if (Interlocked.Exchange(ref _created, 1) == 1)
            throw new InvalidOperationException("MPI was already initialised in this process: create one data-parallel job per process");

        string[] arguments = [];
        var environment = new MPI.Environment(ref arguments, Threading.Serialized);
        int rank = Communicator.world.Rank, size = Communicator.world.Size;
        if (launcher.Mismatch(size) is string mismatch)
        {
            // Every process of the broken launch is alone in its world: finalising is safe, and each says the same.
            environment.Dispose();
            throw new InvalidOperationException(mismatch);
        }
        return _current = new MpiDataParallel(environment, rank, size, launcher.LocalRank ?? rank, timeout);
    }

    /// <summary>
    /// Ends the whole job when <paramref name="failure"/> escapes on one rank of a running job of several: a rank
    /// that unwound to <see cref="Dispose"/> would wait in MPI_Finalize for ranks that wait for it in a collective.
    /// Call it from an exception filter, which runs before the unwinding does. Writes the error (the message alone for
    /// <paramref name="badInput"/>, else the exception with its stack) and exits 1; returns false (and does nothing)
    /// when no such job is running.
    /// </summary>
    public static bool EndJobOnFailure(Exception failure, bool badInput)
    {
        if (_current is not { Size: > 1, _disposed: false } job) return false;
        job.Fail($"rank {job.Rank} of {job.Size}: {(badInput ? failure.Message : failure.ToString())}");
        return true;
    }

    /// <summary>The collective timeout from <see cref="TimeoutVariable"/>, or the default.</summary>
    public static TimeSpan TimeoutFrom(IReadOnlyDictionary<string, string> environment)
    {
        if (!environment.TryGetValue(TimeoutVariable, out string? text)) return DefaultTimeout;
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds < 0 || double.IsInfinity(seconds))
            throw new ArgumentException($"{TimeoutVariable}={text}: expected seconds (0 = wait for ever)");
        return seconds == 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(seconds);
    }

    public void AverageInPlace(float[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        using (_watchdog.Enter(nameof(AverageInPlace), ++_averages))
            AllreduceInPlace(buffer, Unsafe.MPI_FLOAT, Unsafe.MPI_SUM, buffer.Length);
        // TensorPrimitives (System.Numerics.Tensors, which the model library brings) is vectorised even in Debug builds.
        TensorPrimitives.Divide(buffer, Size, buffer);
    }

    public bool AllEqual(ulong value)
    {
        // One allreduce(min) of (v, ~v) gives (min v, ~max v): all equal when min == max.
        long[] pair = [unchecked((long)value), ~unchecked((long)value)];
        using (_watchdog.Enter(nameof(AllEqual), ++_comparisons))
            AllreduceInPlace(pair, Unsafe.MPI_LONG_LONG, Unsafe.MPI_MIN, 2);
        return pair[0] == ~pair[1];
    }

    public void Barrier()
    {
        using (_watchdog.Enter(nameof(Barrier), ++_barriers))
            Communicator.world.Barrier();
    }

    /// <summary>Ends the whole job after a failure on this rank: writes <paramref name="message"/>, exits 1; the launcher ends the other ranks.</summary>
    public void Fail(string message)
    {
        Console.Error.WriteLine($"error: {message}");
        MpiLibrary.Exit(1);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _current = null;
        // MPI_Finalize waits for the other ranks: bounded like a collective.
        using (_watchdog.Enter("MPI_Finalize", 1)) _environment.Dispose();
        _watchdog.Dispose();
    }

    private static void AllreduceInPlace(Array buffer, int datatype, int operation, int count)
    {
        // MPI.NET's Allreduce(T[], op, ref T[]) needs a second buffer; MPI_IN_PLACE reduces into the first.
        GCHandle pinned = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        try
        {
            int error = Unsafe.MPI_Allreduce(MpiLibrary.InPlace, pinned.AddrOfPinnedObject(), count, datatype, operation, Unsafe.MPI_COMM_WORLD);
            if (error != Unsafe.MPI_SUCCESS) throw MPI.Environment.TranslateErrorIntoException(error);
        }
        finally
        {
            pinned.Free();
        }
    }
}
