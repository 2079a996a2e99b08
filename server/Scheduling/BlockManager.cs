namespace CodeGen.Server.Scheduling;

/// <summary>
/// The paged KV cache's bookkeeping (vLLM's block manager with automatic prefix caching): a pool of fixed-size
/// blocks, a block table and a token list per sequence, and reference counts. A block that fills up is
/// registered under the hash of every token up to its end, so a later sequence with the same prefix shares it
/// instead of recomputing it; a block nobody holds any more stays cached (evictable, least recently released
/// first, the tail of a prefix before its head) until its space is needed. A shared block that must change is
/// copied first (copy-on-write): <see cref="Reserve"/> reports the copies for the backend to make.
/// A sequence runs with one LoRA adapter slot (0: the base model), whose keys and values differ from any other's for
/// the same tokens, so the slot seeds the chain of hashes: blocks are shared only between sequences of one adapter.
/// Not thread-safe: only the engine loop uses it.
/// </summary>
internal sealed class BlockManager
{
    private readonly int[] _references;
    private readonly ulong?[] _hashes; // the prefix hash a full, cached block is registered under
    private readonly Stack<int> _free = new(); // never-cached blocks
    private readonly LinkedList<int> _evictable = new(); // cached blocks nobody holds, least recently released first
    private readonly LinkedListNode<int>?[] _evictableNodes;
    private readonly Dictionary<ulong, int> _cached = [];
    private readonly Dictionary<long, SequenceBlocks> _sequences = [];

    public BlockManager(int totalBlocks, int blockSize, bool prefixCaching = true)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalBlocks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        TotalBlocks = totalBlocks;
        BlockSize = blockSize;
        PrefixCaching = prefixCaching;
        _references = new int[totalBlocks];
        _hashes = new ulong?[totalBlocks];
        _evictableNodes = new LinkedListNode<int>?[totalBlocks];
        for (int b = totalBlocks - 1; b >= 0; b--) _free.Push(b);
    }

    public int TotalBlocks { get; }

    public int BlockSize { get; }

    public bool PrefixCaching { get; }

    /// <summary>Blocks held by at least one sequence.</summary>
    public int UsedBlocks => TotalBlocks - _free.Count - _evictable.Count;

    /// <summary>Blocks that can be handed out now (never used, or cached and evictable).</summary>
    public int FreeBlocks => _free.Count + _evictable.Count;

    /// <summary>Blocks nobody holds that still cache a prefix.</summary>
    public int CachedBlocks => _evictable.Count;

    /// <summary>Sequences that hold blocks.</summary>
    public int Sequences => _sequences.Count;

    /// <summary>Blocks a sequence of <paramref name="tokens"/> positions needs.</summary>
    public int BlocksFor(int tokens) => (tokens + BlockSize - 1) / BlockSize;

    /// <summary>Positions held by <paramref name="sequence"/>.</summary>
    public int Length(long sequence) => _sequences[sequence].Tokens.Count;

    /// <summary>The adapter slot <paramref name="sequence"/> runs with (0: the base model).</summary>
    public int Adapter(long sequence) => _sequences[sequence].Adapter;

    /// <summary>The blocks holding <paramref name="sequence"/>'s positions, in order.</summary>
    public IReadOnlyList<int> Table(long sequence) => _sequences[sequence].Table;

    /// <summary>Reference count of <paramref name="block"/> (for tests and invariants).</summary>
    public int References(int block) => _references[block];

    /// <summary>
    /// Starts <paramref name="sequence"/> and shares every cached full block of <paramref name="tokens"/>' prefix,
    /// leaving at least the last token to compute (its logits are needed), among the blocks of sequences that ran with
    /// the same <paramref name="adapter"/> slot. Returns the positions already held.
    /// </summary>
    public int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0)
    {
        if (_sequences.ContainsKey(sequence)) throw new InvalidOperationException($"Sequence {sequence} already holds blocks");
        ArgumentOutOfRangeException.ThrowIfNegative(adapter);
        var blocks = new SequenceBlocks { Adapter = adapter };
        _sequences[sequence] = blocks;
        if (!PrefixCaching) return 0;
        ulong hash = SeedFor(adapter);
        int full = (tokens.Count - 1) / BlockSize;
        for (int i = 0; i < full; i++)
        {
            hash = Extend(hash, tokens, i * BlockSize, BlockSize);
            if (!_cached.TryGetValue(hash, out int block)) break;
            Take(block);
            blocks.Table.Add(block);
            for (int j = 0; j < BlockSize; j++) blocks.Tokens.Add(tokens[i * BlockSize + j]);
            blocks.Hashes.Add(hash);
        }
        return blocks.Tokens.Count;
    }

    /// <summary>
    /// Makes room for <paramref name="sequence"/> to hold <paramref name="length"/> positions: blocks are added
    /// at the end, and a block at or after the write position that others share (or that is cached under a hash) is
    /// replaced by a private copy, listed in <paramref name="copies"/> as (from, to) for the backend to copy.
    /// Returns false, changing nothing, when the pool has too few blocks.
    /// </summary>
    public bool Reserve(long sequence, int length, List<(int From, int To)> copies)
    {
        SequenceBlocks s = _sequences[sequence];
        int writeBlock = s.Tokens.Count / BlockSize;
        int needed = Math.Max(0, BlocksFor(length) - s.Table.Count);
        bool cow = writeBlock < s.Table.Count && length > s.Tokens.Count && MustCopy(s.Table[writeBlock]);
        bool required = cow && _references[s.Table[writeBlock]] > 1;
        if (needed + (required ? 1 : 0) > FreeBlocks) return false;
        if (cow)
        {
            int shared = s.Table[writeBlock];
            if (_references[shared] == 1 && needed + 1 > FreeBlocks)
            {
                Unregister(shared); // ours alone and no room to keep the cached copy: its registration goes (it is about to change)
            }
            else
            {
                int copy = Allocate();
                copies.Add((shared, copy));
                Drop(shared);
                s.Table[writeBlock] = copy;
            }
        }
        for (int i = 0; i < needed; i++) s.Table.Add(Allocate());
        return true;
    }

    /// <summary>Records that <paramref name="tokens"/> were written after <paramref name="sequence"/>'s held positions (within its reservation); registers blocks that became full.</summary>
    public void Append(long sequence, IReadOnlyList<int> tokens)
    {
        SequenceBlocks s = _sequences[sequence];
        if (BlocksFor(s.Tokens.Count + tokens.Count) > s.Table.Count)
            throw new InvalidOperationException($"Sequence {sequence} appends past its reserved blocks");
        foreach (int token in tokens)
        {
            s.Tokens.Add(token);
            if (s.Tokens.Count % BlockSize != 0) continue;
            int index = s.Tokens.Count / BlockSize - 1;
            ulong hash = Extend(index == 0 ? SeedFor(s.Adapter) : s.Hashes[index - 1], s.Tokens, index * BlockSize, BlockSize);
            s.Hashes.Add(hash);
            int block = s.Table[index];
            if (PrefixCaching && _hashes[block] is null && !_cached.ContainsKey(hash))
            {
                _hashes[block] = hash;
                _cached[hash] = block;
            }
        }
    }

    /// <summary>Forgets <paramref name="sequence"/>'s positions from <paramref name="length"/> on (rejected drafts); blocks past it are released.</summary>
    public void Truncate(long sequence, int length)
    {
        SequenceBlocks s = _sequences[sequence];
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, s.Tokens.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        s.Tokens.RemoveRange(length, s.Tokens.Count - length);
        s.Hashes.RemoveRange(length / BlockSize, s.Hashes.Count - length / BlockSize);
        int keep = BlocksFor(length);
        for (int i = s.Table.Count - 1; i >= keep; i--)
        {
            Drop(s.Table[i]);
            s.Table.RemoveAt(i);
        }
    }

    /// <summary>Starts <paramref name="target"/> sharing the blocks that hold <paramref name="source"/>'s first <paramref name="length"/> positions (n samples of one prompt).</summary>
    public void Fork(long source, long target, int length)
    {
        SequenceBlocks s = _sequences[source];
        if (_sequences.ContainsKey(target)) throw new InvalidOperationException($"Sequence {target} already holds blocks");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, s.Tokens.Count);
        var t = new SequenceBlocks { Adapter = s.Adapter };
        for (int i = 0; i < BlocksFor(length); i++)
        {
            Take(s.Table[i]);
            t.Table.Add(s.Table[i]);
        }
        t.Tokens.AddRange(s.Tokens.Take(length));
        t.Hashes.AddRange(s.Hashes.Take(length / BlockSize));
        _sequences[target] = t;
    }

    /// <summary>Ends <paramref name="sequence"/>: its blocks are released (cached ones stay for reuse, tail first in eviction order).</summary>
    public void Release(long sequence)
    {
        if (!_sequences.Remove(sequence, out SequenceBlocks? s)) return;
        for (int i = s.Table.Count - 1; i >= 0; i--) Drop(s.Table[i]);
    }

    /// <summary>Whether <paramref name="sequence"/> holds blocks.</summary>
    public bool Holds(long sequence) => _sequences.ContainsKey(sequence);

    private bool MustCopy(int block) => _references[block] > 1 || _hashes[block] is not null;

    private int Allocate()
    {
        int block;
        if (_free.Count > 0)
        {
            block = _free.Pop();
        }
        else
        {
            block = _evictable.First!.Value; // least recently released
            RemoveEvictable(block);
            Unregister(block);
        }
        _references[block] = 1;
        return block;
    }

    private void Take(int block)
    {
        if (_references[block] == 0) RemoveEvictable(block);
        _references[block]++;
    }

    private void Drop(int block)
    {
        if (--_references[block] > 0) return;
        if (_hashes[block] is not null) _evictableNodes[block] = _evictable.AddLast(block);
        else _free.Push(block);
    }

    private void RemoveEvictable(int block)
    {
        if (_evictableNodes[block] is { } node)
        {
            _evictable.Remove(node);
            _evictableNodes[block] = null;
        }
    }

    private void Unregister(int block)
    {
        if (_hashes[block] is ulong hash && _cached.TryGetValue(hash, out int registered) && registered == block) _cached.Remove(hash);
        _hashes[block] = null;
    }

    private const ulong Seed = 14695981039346656037UL;

    // The first block's chain starts from the FNV offset basis for the base model and from the basis extended by the
    // slot's four bytes for adapter slot k: equal token prefixes of different adapters never hash alike (bar collisions).
    private static ulong SeedFor(int adapter) => adapter == 0 ? Seed : Extend(Extend(Seed, [-1], 0, 1), [adapter], 0, 1);

    // FNV-1a over the block's tokens, chained from the hash of everything before it: a block's hash names its whole prefix.
    private static ulong Extend(ulong hash, IReadOnlyList<int> tokens, int from, int count)
    {
        for (int i = from; i < from + count; i++)
        {
            uint token = (uint)tokens[i];
            for (int b = 0; b < 4; b++)
            {
                hash ^= (token >> (8 * b)) & 0xFF;
                hash *= 1099511628211UL;
            }
        }
        return hash;
    }

    private sealed class SequenceBlocks
    {
        public int Adapter { get; init; }
        public List<int> Table { get; } = [];
        public List<int> Tokens { get; } = [];
        public List<ulong> Hashes { get; } = []; // of each full block, in order
    }
}
