using CodeGen.Model.Caching;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Per-forward state shared by every layer: RoPE tables for the tokens being run and, with a paged KV cache, each
/// sequence's place in the packed token axis and in the cache (worked out once per forward, not per layer).
/// Without a cache the forward is a plain causal one over (B, T), as in training.
/// </summary>
internal sealed class AttentionBatch : IDisposable
{
    public required Tensor Cos { get; init; } // (T, D) for a plain forward, (N, D) for a packed one
    public required Tensor Sin { get; init; }
    public PagedKvCache? Cache { get; init; }
    public IReadOnlyList<CachedSequence> Sequences { get; init; } = [];

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        foreach (CachedSequence s in Sequences) s.Mask?.Dispose();
    }
}

/// <summary>
/// One sequence of a packed forward over the paged cache. Its <see cref="Count"/> new tokens sit at rows
/// [<see cref="Offset"/>, Offset + Count) of the packed axis and positions [<see cref="Start"/>, Start + Count).
/// <see cref="Writes"/> are where those rows go in the pool; <see cref="Reads"/> are the contiguous runs of pool
/// positions that hold positions [0, Start + Count) in order (one run when its blocks are consecutive).
/// </summary>
internal sealed record CachedSequence(int Offset, int Count, int Start, IReadOnlyList<PoolSpan> Writes, IReadOnlyList<PoolSpan> Reads)
{
    /// <summary>Keys held after this step.</summary>
    public int Length => Start + Count;

    /// <summary>(g·Count, Length) bool, true where a query row may see a key; null for a single new token (it sees every key).</summary>
    public Tensor? Mask { get; init; }
}

/// <summary>A contiguous run of <paramref name="Length"/> pool positions starting at <paramref name="PoolStart"/>; <paramref name="Row"/> is the first packed row (writes) or sequence position (reads) it stands for.</summary>
internal readonly record struct PoolSpan(int Row, long PoolStart, int Length);
