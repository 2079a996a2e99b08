namespace CodeGen.Training.Distributed;

/// <summary>
/// The workers of a data-parallel job as one of them sees it: its rank, the world size, and the collectives that
/// training needs. One process per device; rank r reads shard r of the data.
/// </summary>
public interface IDataParallel : IDisposable
{
    /// <summary>This worker's rank, 0 to <see cref="Size"/> - 1.</summary>
    int Rank { get; }

    /// <summary>How many workers the job has.</summary>
    int Size { get; }

    /// <summary>Whether this worker writes checkpoints, logs and the progress bar.</summary>
    bool IsRoot => Rank == 0;

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over all ranks (one collective call).</summary>
    void AverageInPlace(float[] buffer);

    /// <summary>True on every rank when all ranks passed the same value (the weights checksum test).</summary>
    bool AllEqual(ulong value);

    /// <summary>Waits until every rank has reached this call.</summary>
    void Barrier();
}

/// <summary>A job of one worker: the collectives do nothing.</summary>
public sealed class SingleProcess : IDataParallel
{
    /// <inheritdoc/>
    public int Rank => 0;

    /// <inheritdoc/>
    public int Size => 1;

    /// <inheritdoc/>
    public void AverageInPlace(float[] buffer) { }

    /// <inheritdoc/>
    public bool AllEqual(ulong value) => true;

    /// <inheritdoc/>
    public void Barrier() { }

    /// <inheritdoc/>
    public void Dispose() { }
}

/// <summary>Chooses the workers of this process's job.</summary>
public static class DataParallel
{
    /// <summary>
    /// The job this process belongs to: MPI when started by an MPI launcher, otherwise a single worker.
    /// </summary>
    public static IDataParallel Create() => new SingleProcess();
}
