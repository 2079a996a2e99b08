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
    public IReadOnlyList<PoolSpan>? WriteSpans { get; init; } // a few runs: packed rows [Row, Row + Length) go to pool positions [PoolStart, ...)
    public Tensor? WritePositions { get; init; } // else (N) int64: the pool position each packed row's key and value go to
    public GatheredDecode? Gathered { get; init; } // set when the step attends by one gather (see PackedSteps)
    public LoraRouting? Adapters { get; init; } // which packed rows use which adapter slot; null when all use the base model

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        WritePositions?.Dispose();
        Gathered?.Dispose();
        Adapters?.Dispose();
        foreach (CachedSequence s in Sequences) s.Mask?.Dispose();
    }
}

/// <summary>
/// A decode step (one new token per sequence) over short contexts, attended by one gather of the positions in use
/// and one batched attention: fewer, larger operations than one attention per sequence, worth the copy only while
/// the batch's KV is small (PackedSteps decides).
/// </summary>
internal sealed class GatheredDecode : IDisposable
{
    public required Tensor Positions { get; init; } // (B·L) int64 pool positions, each sequence padded to L
    public required Tensor Mask { get; init; } // (B, 1, 1, L) bool: key j is one of the sequence's own
    public required int Length { get; init; } // L: the longest sequence

    public void Dispose()
    {
        Positions.Dispose();
        Mask.Dispose();
    }
}

/// <summary>
/// One sequence of a packed forward over the paged cache. Its <see cref="Count"/> new tokens sit at rows
/// [<see cref="Offset"/>, Offset + Count) of the packed axis and positions [<see cref="Start"/>, Start + Count).
/// <see cref="Reads"/> are the contiguous runs of pool positions that hold positions [0, Start + Count) in order
/// (one run when its blocks are consecutive).
/// </summary>
internal sealed record CachedSequence(int Offset, int Count, int Start, IReadOnlyList<PoolSpan> Reads)
{
    /// <summary>Keys held after this step.</summary>
    public int Length => Start + Count;

    /// <summary>(g·Count, Length) bool, true where a query row may see a key; null for a single new token (it sees every key).</summary>
    public Tensor? Mask { get; init; }
}

/// <summary>A contiguous run of <paramref name="Length"/> pool positions starting at <paramref name="PoolStart"/>, holding a sequence's positions (reads) or the packed rows (writes) from <paramref name="Row"/> on.</summary>
internal readonly record struct PoolSpan(int Row, long PoolStart, int Length);
