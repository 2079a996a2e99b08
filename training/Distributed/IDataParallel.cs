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

    /// <summary>This worker's rank among the workers on its machine: rank r on a machine uses that machine's device r.</summary>
    int LocalRank => Rank;

    /// <summary>Whether this worker writes checkpoints, logs and the progress bar.</summary>
    bool IsRoot => Rank == 0;

    /// <summary>Replaces every element of <paramref name="buffer"/> by its mean over all ranks (one collective call).</summary>
    void AverageInPlace(float[] buffer);

    /// <summary>True on every rank when all ranks passed the same value (the weights checksum test).</summary>
    bool AllEqual(ulong value);

    /// <summary>Waits until every rank has reached this call.</summary>
    void Barrier();
}
