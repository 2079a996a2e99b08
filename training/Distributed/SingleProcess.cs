namespace CodeGen.Training.Distributed;

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
