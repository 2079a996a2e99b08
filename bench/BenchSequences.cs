using CodeGen.Model;
using CodeGen.Model.Caching;
using static TorchSharp.torch;

namespace CodeGen.Bench;

/// <summary>
/// Sequences over a paged KV cache for the model-level benchmarks: each sequence has its own consecutive blocks
/// (the layout a fresh engine hands out), and lengths advance by what each forward runs.
/// </summary>
internal sealed class BenchSequences : IDisposable
{
    private const int BlockSize = 16;
    private readonly CausalLM _model;
    private readonly PagedKvCache _cache;
    private readonly int[][] _tables;
    private readonly int[] _lengths;

    /// <param name="sharedPositions">Every sequence's first positions (whole blocks) live in sequence 0's blocks, as a shared prompt's do; its own blocks follow elsewhere in the pool.</param>
    public BenchSequences(CausalLM model, int count, int capacity, int sharedPositions = 0)
    {
        _model = model;
        int perSequence = (capacity + BlockSize - 1) / BlockSize;
        _cache = model.CreateCache(count * perSequence, BlockSize);
        _tables = Enumerable.Range(0, count).Select(s => Enumerable.Range(s * perSequence, perSequence).ToArray()).ToArray();
        for (int s = 1; s < count; s++)
            for (int b = 0; b < sharedPositions / BlockSize; b++) _tables[s][b] = _tables[0][b];
        _lengths = new int[count];
    }

    public int Count => _tables.Length;

    /// <summary>Each sequence's LoRA adapter slot (<see cref="SequenceStep.Adapter"/>); null: all run the base model.</summary>
    public int[]? Adapters { get; set; }

    /// <summary>Runs tokens[i] for sequence i (or only sequence <paramref name="only"/>); logits of each one's last position.</summary>
    public Tensor Forward(int[][] tokens, int? only = null, int logitRows = 1)
    {
        var steps = new List<SequenceStep>();
        var sequences = only is int o ? [o] : Enumerable.Range(0, tokens.Length).ToArray();
        for (int k = 0; k < sequences.Length; k++)
        {
            int s = sequences[k];
            steps.Add(new SequenceStep(tokens[k], _lengths[s], _tables[s], Math.Min(logitRows, tokens[k].Length), Adapters?[s] ?? 0));
        }
        Tensor logits = _model.Forward(steps, _cache);
        for (int k = 0; k < sequences.Length; k++) _lengths[sequences[k]] += tokens[k].Length;
        return logits;
    }

    /// <summary>Forgets the last <paramref name="count"/> positions of sequence <paramref name="sequence"/> (the next step overwrites them).</summary>
    public void Rewind(int sequence, int count) => _lengths[sequence] -= count;

    /// <summary>Fills every sequence up to <paramref name="positions"/> by copying the first <paramref name="filled"/> positions' blocks of <paramref name="source"/>.</summary>
    public void FillFrom(int source, int filled, int positions)
    {
        int sourceBlocks = filled / BlockSize;
        for (int s = 0; s < _tables.Length; s++)
        {
            for (int b = s == source ? sourceBlocks : 0; b < positions / BlockSize; b++)
            {
                if (_tables[s][b] != _tables[source][b % sourceBlocks]) _cache.CopyBlock(_tables[source][b % sourceBlocks], _tables[s][b]);
            }
            _lengths[s] = positions / BlockSize * BlockSize;
        }
    }

    public void Dispose() => _cache.Dispose();
}
