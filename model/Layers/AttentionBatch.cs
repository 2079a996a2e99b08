using CodeGen.Model.Caching;
using static TorchSharp.torch;

namespace CodeGen.Model.Layers;

/// <summary>
/// Per-forward state shared by every layer: RoPE tables for the tokens being run, and either a KV cache
/// with the slots, start lengths and new-token counts of each sequence plus the attention mask, or nothing
/// (a plain causal forward, as in training).
/// </summary>
internal sealed class AttentionBatch : IDisposable
{
    public required Tensor Cos { get; init; } // (B, 1, T, D)
    public required Tensor Sin { get; init; } // (B, 1, T, D)
    public KvCache? Cache { get; init; }
    public int[] Slots { get; init; } = [];
    public int[] Starts { get; init; } = [];
    public int[] Counts { get; init; } = [];
    public Tensor? SlotIndex { get; init; } // (B) int64, for gathering cache rows when B > 1
    public Tensor? Mask { get; init; } // (B, 1, g·T, L) bool, or null when every key is visible
    public int KeyLength { get; init; } // L: the longest sequence after this step

    public void Dispose()
    {
        Cos.Dispose();
        Sin.Dispose();
        SlotIndex?.Dispose();
        Mask?.Dispose();
    }
}
