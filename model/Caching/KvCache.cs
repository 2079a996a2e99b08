using static TorchSharp.torch;

namespace CodeGen.Model.Caching;

/// <summary>
/// Keys and values of every layer for a fixed number of sequence slots, each up to <see cref="Capacity"/>
/// positions: per layer two tensors (slots, kv_heads, capacity, head_dim). A sequence owns one slot from
/// <see cref="Allocate"/> to <see cref="Free"/>; <see cref="Length"/> says how many positions it holds.
/// The cache owns its tensors (dispose it to release them).
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;
    private readonly int[] _lengths;
    private readonly Stack<int> _free;

    /// <summary>Allocates zeroed storage for <paramref name="slots"/> sequences of up to <paramref name="capacity"/> positions.</summary>
    public KvCache(ModelConfig config, int slots, int capacity, ScalarType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(slots, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Slots = slots;
        Capacity = capacity;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            // Zeroed, not empty: masked positions are multiplied by zero attention weight, and NaN garbage would poison that.
            _keys[layer] = zeros([slots, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
            _values[layer] = zeros([slots, config.NumKeyValueHeads, capacity, config.HeadDim], dtype, device);
        }
        _lengths = new int[slots];
        _free = new Stack<int>(Enumerable.Range(0, slots).Reverse());
        BytesPerPosition = 2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * _keys[0].ElementSize;
    }

    /// <summary>Number of sequence slots.</summary>
    public int Slots { get; }

    /// <summary>Positions each slot can hold.</summary>
    public int Capacity { get; }

    /// <summary>Bytes of K and V across all layers for one position of one sequence.</summary>
    public long BytesPerPosition { get; }

    /// <summary>Slots not in use.</summary>
    public int FreeSlots => _free.Count;

    /// <summary>Takes a free slot (length 0).</summary>
    /// <exception cref="InvalidOperationException">All slots are in use.</exception>
    public int Allocate()
    {
        if (_free.Count == 0) throw new InvalidOperationException($"All {Slots} KV-cache slots are in use");
        int slot = _free.Pop();
        _lengths[slot] = 0;
        return slot;
    }

    /// <summary>Returns a slot to the pool.</summary>
    public void Free(int slot)
    {
        _lengths[slot] = 0;
        _free.Push(slot);
    }

    /// <summary>Positions held by <paramref name="slot"/>.</summary>
    public int Length(int slot) => _lengths[slot];

    /// <summary>Forgets positions past <paramref name="length"/> (e.g. rejected speculative tokens, or a reused prefix).</summary>
    public void Truncate(int slot, int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, _lengths[slot]);
        _lengths[slot] = length;
    }

    internal Tensor Keys(int layer) => _keys[layer];

    internal Tensor Values(int layer) => _values[layer];

    internal void Advance(int slot, int count) => _lengths[slot] += count;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _keys) t.Dispose();
        foreach (Tensor t in _values) t.Dispose();
    }
}
