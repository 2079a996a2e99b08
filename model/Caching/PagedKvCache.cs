using static TorchSharp.torch;

namespace CodeGen.Model.Caching;

/// <summary>
/// Keys and values of every layer in fixed-size blocks from one pool (vLLM's paged KV cache): per layer two
/// tensors (kv_heads, blocks · block_size, head_dim), block b holding positions [b·S, (b+1)·S) of that axis. A
/// sequence's keys live in the blocks its block table names, in order; who owns which block is the caller's
/// business (the server's block manager). Storage is allocated uninitialised, so on the CPU the pages of a block
/// become resident only once a sequence writes into it; the model reads exactly the positions a sequence holds,
/// never garbage. The cache owns its tensors (dispose it to release them).
/// </summary>
public sealed class PagedKvCache : IDisposable
{
    private readonly Tensor[] _keys;
    private readonly Tensor[] _values;

    /// <summary>Allocates <paramref name="blocks"/> blocks of <paramref name="blockSize"/> positions for every layer of <paramref name="config"/>.</summary>
    public PagedKvCache(ModelConfig config, int blocks, int blockSize, ScalarType dtype, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        Blocks = blocks;
        BlockSize = blockSize;
        _keys = new Tensor[config.NumHiddenLayers];
        _values = new Tensor[config.NumHiddenLayers];
        long positions = (long)blocks * blockSize;
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            _keys[layer] = empty([config.NumKeyValueHeads, positions, config.HeadDim], dtype, device);
            _values[layer] = empty([config.NumKeyValueHeads, positions, config.HeadDim], dtype, device);
        }
        BytesPerBlock = BytesPerToken(config, dtype) * blockSize;
    }

    /// <summary>Blocks in the pool.</summary>
    public int Blocks { get; }

    /// <summary>Positions per block.</summary>
    public int BlockSize { get; }

    /// <summary>Bytes of K and V across all layers for one block.</summary>
    public long BytesPerBlock { get; }

    /// <summary>Bytes of K and V across all layers for one position of one sequence.</summary>
    public static long BytesPerToken(ModelConfig config, ScalarType dtype) =>
        2L * config.NumHiddenLayers * config.NumKeyValueHeads * config.HeadDim * ElementSize(dtype);

    /// <summary>Copies block <paramref name="source"/> into <paramref name="target"/> in every layer (copy-on-write of a shared block).</summary>
    public void CopyBlock(int source, int target)
    {
        CheckBlock(source);
        CheckBlock(target);
        using var noGrad = no_grad();
        for (int layer = 0; layer < _keys.Length; layer++)
        {
            using (Tensor to = _keys[layer].narrow(1, (long)target * BlockSize, BlockSize))
            using (Tensor from = _keys[layer].narrow(1, (long)source * BlockSize, BlockSize))
            {
                to.copy_(from);
            }
            using (Tensor to = _values[layer].narrow(1, (long)target * BlockSize, BlockSize))
            using (Tensor from = _values[layer].narrow(1, (long)source * BlockSize, BlockSize))
            {
                to.copy_(from);
            }
        }
    }

    internal Tensor Keys(int layer) => _keys[layer];

    internal Tensor Values(int layer) => _values[layer];

    internal void CheckBlock(int block)
    {
        if ((uint)block >= (uint)Blocks) throw new ArgumentException($"Block {block} is outside the KV pool [0, {Blocks})");
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => 4,
        ScalarType.BFloat16 or ScalarType.Float16 => 2,
        _ => throw new ArgumentException($"Unsupported KV-cache dtype {dtype}"),
    };

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (Tensor t in _keys) t.Dispose();
        foreach (Tensor t in _values) t.Dispose();
    }
}
