using CodeGen.Model.Caching;
using CodeGen.Model.Layers;
using static TorchSharp.torch;

namespace CodeGen.Model;

/// <summary>
/// A batch of <see cref="SequenceStep"/>s, validated and laid out for one forward: token ids and positions packed
/// into one axis, the packed rows whose logits are wanted, and each sequence's writes into and reads from the
/// KV pool, derived from its block table.
/// </summary>
internal sealed class PackedSteps
{
    private readonly IReadOnlyList<SequenceStep> _steps;
    private readonly int[] _offsets;
    private readonly int _blockSize;

    private readonly long[] _poolPositions;

    private PackedSteps(IReadOnlyList<SequenceStep> steps, int[] offsets, long[] ids, long[] positions, long[] poolPositions, long[] logitRows, int blockSize)
    {
        _steps = steps;
        _offsets = offsets;
        Ids = ids;
        Positions = positions;
        _poolPositions = poolPositions;
        LogitRows = logitRows;
        _blockSize = blockSize;
    }

    /// <summary>Token ids, all sequences' new tokens one after another (N).</summary>
    public long[] Ids { get; }

    /// <summary>Each packed token's position in its sequence (N).</summary>
    public long[] Positions { get; }

    /// <summary>Packed rows whose logits are returned (R).</summary>
    public long[] LogitRows { get; }

    /// <summary>The adapter slot of each packed row (N), or null when every sequence runs the base model.</summary>
    public int[]? RowAdapters { get; private init; }

    /// <summary>The adapter slot of each logit row (R), or null when every sequence runs the base model.</summary>
    public int[]? LogitRowAdapters => RowAdapters is { } rows ? Array.ConvertAll(LogitRows, r => rows[r]) : null;

    /// <exception cref="ArgumentException">See <see cref="CausalLM.Forward(IReadOnlyList{SequenceStep}, PagedKvCache)"/>.</exception>
    public static PackedSteps Create(IReadOnlyList<SequenceStep> steps, ModelConfig config, PagedKvCache cache, int adapterSlots = 0)
    {
        if (steps.Count == 0) throw new ArgumentException("No sequences to run");
        int total = 0;
        var offsets = new int[steps.Count];
        for (int i = 0; i < steps.Count; i++)
        {
            SequenceStep s = steps[i];
            if (s.Tokens.Count == 0) throw new ArgumentException($"Sequence {i} has no tokens to run");
            if (s.LogitRows < 0 || s.LogitRows > s.Tokens.Count)
                throw new ArgumentException($"Sequence {i} asks for logits of {s.LogitRows} positions but runs {s.Tokens.Count} tokens");
            int length = s.Start + s.Tokens.Count;
            if (s.Start < 0 || length > config.MaxPositionEmbeddings)
                throw new ArgumentException($"Sequence {i} would hold {length} positions; the model's context is {config.MaxPositionEmbeddings}");
            if ((long)s.BlockTable.Count * cache.BlockSize < length)
                throw new ArgumentException($"Sequence {i} would hold {length} positions but its {s.BlockTable.Count} blocks hold {(long)s.BlockTable.Count * cache.BlockSize}");
            foreach (int block in s.BlockTable) cache.CheckBlock(block);
            if (s.Adapter < 0 || s.Adapter > adapterSlots)
                throw new ArgumentException($"Sequence {i} asks for adapter slot {s.Adapter}; the model holds {adapterSlots} (0 is the base model)");
            offsets[i] = total;
            total += s.Tokens.Count;
        }
        var ids = new long[total];
        var positions = new long[total];
        var poolPositions = new long[total]; // where each packed row's key and value are written
        var logitRows = new List<long>();
        for (int i = 0; i < steps.Count; i++)
        {
            SequenceStep s = steps[i];
            for (int j = 0; j < s.Tokens.Count; j++)
            {
                int token = s.Tokens[j];
                if ((uint)token >= (uint)config.VocabSize)
                    throw new ArgumentException($"Token id {token} is outside the vocabulary [0, {config.VocabSize})");
                ids[offsets[i] + j] = token;
                positions[offsets[i] + j] = s.Start + j;
                poolPositions[offsets[i] + j] = PoolPosition(s.BlockTable, s.Start + j, cache.BlockSize);
            }
            for (int j = s.Tokens.Count - s.LogitRows; j < s.Tokens.Count; j++) logitRows.Add(offsets[i] + j);
        }
        int[]? rowAdapters = null;
        if (steps.Any(s => s.Adapter != 0))
        {
            rowAdapters = new int[total];
            for (int i = 0; i < steps.Count; i++) Array.Fill(rowAdapters, steps[i].Adapter, offsets[i], steps[i].Tokens.Count);
        }
        return new PackedSteps(steps, offsets, ids, positions, poolPositions, [.. logitRows], cache.BlockSize) { RowAdapters = rowAdapters };
    }

    /// <summary>
    /// Largest batch KV (positions of all sequences, each padded to the longest, times KV heads times head dim) that a
    /// decode step gathers to attend in one call rather than one attention per sequence over views of the pool.
    /// Measured on the CPU (docs/BENCHMARKS.md, "Paged KV cache"): below it the fewer, larger operations win.
    /// </summary>
    internal static long GatherLimitElements { get; set; } = 1L << 20;

    /// <summary>
    /// Where the packed rows' keys and values go, as runs of consecutive rows landing on consecutive pool positions
    /// (one run for a lone sequence whose blocks are consecutive); null when there are more than a few, in which
    /// case <see cref="WritePositions"/> writes them all in one indexed copy.
    /// </summary>
    public IReadOnlyList<PoolSpan>? WriteSpans(int most)
    {
        var spans = new List<PoolSpan>();
        for (int row = 0; row < _poolPositions.Length; row++)
        {
            long pool = _poolPositions[row];
            if (spans.Count > 0 && spans[^1].PoolStart + spans[^1].Length == pool)
                spans[^1] = spans[^1] with { Length = spans[^1].Length + 1 };
            else if (spans.Count == most)
                return null;
            else
                spans.Add(new PoolSpan(row, pool, 1));
        }
        return spans;
    }

    /// <summary>The pool position of every packed row (where its key and value are written), on <paramref name="device"/>.</summary>
    public Tensor WritePositions(Device device) => tensor(_poolPositions, int64).to(device);

    /// <summary>A one-gather plan when every sequence decodes one token and the batch's KV is small; else null.</summary>
    public GatheredDecode? GatherPlan(ModelConfig config, Device device)
    {
        int longest = 0;
        foreach (SequenceStep s in _steps)
        {
            if (s.Tokens.Count != 1) return null;
            longest = Math.Max(longest, s.Start + 1);
        }
        if (_steps.Count < 2 || (long)_steps.Count * longest * config.NumKeyValueHeads * config.HeadDim > GatherLimitElements) return null;
        var positions = new long[_steps.Count * longest];
        var mask = new bool[_steps.Count * longest];
        for (int i = 0; i < _steps.Count; i++)
        {
            SequenceStep s = _steps[i];
            for (int j = 0; j < longest; j++)
            {
                bool own = j <= s.Start;
                mask[i * longest + j] = own;
                positions[i * longest + j] = own ? PoolPosition(s.BlockTable, j, _blockSize) : PoolPosition(s.BlockTable, 0, _blockSize);
            }
        }
        return new GatheredDecode
        {
            Positions = tensor(positions, int64).to(device),
            Mask = tensor(mask, [_steps.Count, 1, 1, longest]).to(device),
            Length = longest,
        };
    }

    private static long PoolPosition(IReadOnlyList<int> blocks, int position, int blockSize) =>
        (long)blocks[position / blockSize] * blockSize + position % blockSize;

    /// <summary>Each sequence's layout in the pool, with its attention mask (g query heads folded into the rows) on <paramref name="device"/>.</summary>
    public IReadOnlyList<CachedSequence> Sequences(int group, Device device)
    {
        var result = new CachedSequence[_steps.Count];
        for (int i = 0; i < result.Length; i++)
        {
            SequenceStep s = _steps[i];
            int count = s.Tokens.Count;
            result[i] = new CachedSequence(_offsets[i], count, s.Start, Spans(s.BlockTable, s.Start + count))
            {
                Mask = count == 1 ? null : CausalMask(s.Start, count, group, device),
            };
        }
        return result;
    }

    // Positions [0, count) of a sequence as runs of consecutive pool positions.
    private List<PoolSpan> Spans(IReadOnlyList<int> blocks, int count)
    {
        var spans = new List<PoolSpan>();
        int position = 0, end = count;
        while (position < end)
        {
            int block = position / _blockSize;
            long poolStart = (long)blocks[block] * _blockSize + position % _blockSize;
            int length = Math.Min(_blockSize - position % _blockSize, end - position);
            if (spans.Count > 0 && spans[^1].PoolStart + spans[^1].Length == poolStart)
                spans[^1] = spans[^1] with { Length = spans[^1].Length + length };
            else
                spans.Add(new PoolSpan(position, poolStart, length));
            position += length;
        }
        return spans;
    }

    // Query row gi·T + t (new token t, any of the g heads of a KV head) sees key j when j <= start + t: (g·T, L) bool.
    private static Tensor CausalMask(int start, int count, int group, Device device)
    {
        using var scope = NewDisposeScope();
        Tensor queryPositions = arange(start, start + count, int64).repeat(group).unsqueeze(1); // (g·T, 1)
        Tensor keyPositions = arange(start + count, int64).unsqueeze(0); // (1, L)
        return keyPositions.le(queryPositions).to(device).MoveToOuterDisposeScope();
    }
}
