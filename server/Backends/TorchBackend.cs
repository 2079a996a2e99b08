using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Scheduling;
using static TorchSharp.torch;

namespace CodeGen.Server.Backends;

/// <summary>
/// The TorchSharp backend: a <see cref="CausalLM"/> over a paged KV cache whose blocks the
/// <see cref="BlockManager"/> hands out, shares by prefix hash and copies on write. Each sequence runs with the
/// LoRA adapter slot it began with (the model holds the adapters unmerged), so one step mixes adapters.
/// </summary>
internal sealed class TorchBackend : IModelBackend
{
    private readonly CausalLM _model;
    private readonly PagedKvCache _cache;
    private readonly BlockManager _blocks;
    private readonly List<(int From, int To)> _copies = [];
    private float[] _logits = []; // reused step to step (a batch-16 row set of a 150k vocabulary is ~9.7 MB)

    public TorchBackend(CausalLM model, BpeTokenizer? tokenizer, int blocks, int blockSize, int maxContext, bool prefixCaching)
    {
        if (maxContext > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"--max-context {maxContext} exceeds the model's context of {model.Config.MaxPositionEmbeddings}");
        if ((long)blocks * blockSize < maxContext)
            throw new ArgumentException($"the KV cache holds {(long)blocks * blockSize} positions ({blocks} blocks of {blockSize}), fewer than one sequence of --max-context {maxContext}; raise --kv-cache-memory or lower --max-context");
        _model = model;
        Tokenizer = tokenizer;
        MaxContext = maxContext;
        _cache = model.CreateCache(blocks, blockSize);
        _blocks = new BlockManager(blocks, blockSize, prefixCaching);
    }

    public int VocabSize => _model.Config.VocabSize;

    public int MaxContext { get; }

    public BpeTokenizer? Tokenizer { get; }

    public int BlockSize => _blocks.BlockSize;

    public int TotalBlocks => _blocks.TotalBlocks;

    public int UsedBlocks => _blocks.UsedBlocks;

    public int FreeBlocks => _blocks.FreeBlocks;

    public int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0)
    {
        if (adapter < 0 || adapter > _model.AdapterSlots)
            throw new ArgumentOutOfRangeException(nameof(adapter), adapter, $"the model holds {_model.AdapterSlots} adapter slots (0 is the base model)");
        return _blocks.Begin(sequence, tokens, adapter);
    }

    public bool Reserve(long sequence, int length)
    {
        _copies.Clear();
        if (!_blocks.Reserve(sequence, length, _copies)) return false;
        foreach ((int from, int to) in _copies) _cache.CopyBlock(from, to);
        return true;
    }

    public int Length(long sequence) => _blocks.Length(sequence);

    public void Truncate(long sequence, int length) => _blocks.Truncate(sequence, length);

    public void Fork(long source, long target, int length) => _blocks.Fork(source, target, length);

    public void Release(long sequence) => _blocks.Release(sequence);

    public StepLogits Execute(IReadOnlyList<BackendSequence> sequences)
    {
        var steps = new SequenceStep[sequences.Count];
        var rows = new int[sequences.Count];
        for (int i = 0; i < sequences.Count; i++)
        {
            BackendSequence s = sequences[i];
            steps[i] = new SequenceStep(s.Tokens, _blocks.Length(s.Id), _blocks.Table(s.Id), s.LogitRows, _blocks.Adapter(s.Id));
            rows[i] = s.LogitRows;
        }
        int count;
        using (no_grad())
        using (Tensor logits = _model.Forward(steps, _cache)) // (R, vocab) float32; R = 0 for prefill chunks only
        using (Tensor host = logits.cpu())
        using (Tensor dense = host.contiguous())
        {
            count = (int)dense.NumberOfElements;
            if (_logits.Length < count) _logits = new float[count];
            // One block copy of the raw storage (the element accessor walks indices one by one: ~10 ms per batch-16 step).
            if (count > 0) System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(dense.bytes).CopyTo(_logits);
        }
        foreach (BackendSequence s in sequences) _blocks.Append(s.Id, s.Tokens);
        return new StepLogits(new ArraySegment<float>(_logits, 0, count), VocabSize, rows);
    }

    public void Dispose()
    {
        _cache.Dispose();
        _model.Dispose();
    }
}
