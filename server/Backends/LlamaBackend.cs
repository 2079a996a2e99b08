using CodeGen.Model.Gguf;
using CodeGen.Model.Tokenization;
using LLama.Native;

namespace CodeGen.Server.Backends;

/// <summary>
/// The llama.cpp backend (through LLamaSharp) for GGUF files. One context holds one unified KV cache; each engine
/// sequence runs under its own llama.cpp sequence id (a slot), and a step is one batch carrying the new tokens of
/// every scheduled sequence, each tagged with its slot and position. The KV operations map onto llama.cpp's memory
/// API: truncate and release are <c>seq_rm</c>, fork and prefix reuse are <c>seq_cp</c> (the cells are shared,
/// not copied). A released sequence keeps its slot and cells as a cached prompt until the slot or the space is
/// needed (least recently released first); a new sequence starts from the longest prefix any slot holds.
/// </summary>
/// <remarks>
/// Accounting: blocks of <see cref="LlamaBackendOptions.BlockSize"/> positions, counted per slot without credit for
/// cells shared by <c>seq_cp</c>, so the engine never admits more than the cache holds even with nothing shared.
/// Cached prompts count as free to the engine (as the TorchSharp backend's evictable blocks do) and are evicted
/// when room is needed.
/// </remarks>
internal sealed class LlamaBackend : IModelBackend
{
    private readonly SafeLlamaModelHandle _model;
    private readonly SafeLLamaContextHandle _context;
    private readonly LlamaBackendOptions _options;
    private readonly Slot[] _slots;
    private readonly Dictionary<long, Slot> _bySequence = [];
    private readonly LLamaBatch _batch = new();
    private readonly List<int> _outputs = [];
    private float[] _logits = [];
    private long _clock;
    private int _usedBlocks; // held by running sequences
    private int _cachedBlocks; // held by released prompts kept for reuse

    /// <summary>Loads <paramref name="model"/>'s file (already checked by <see cref="GgufModel.Open"/>) into llama.cpp.</summary>
    /// <exception cref="ArgumentException">Options beyond the model or llama.cpp's limits.</exception>
    /// <exception cref="InvalidOperationException">llama.cpp refused the file or the context.</exception>
    public LlamaBackend(GgufModel model, LlamaBackendOptions options)
    {
        if (options.MaxContext > model.Config.MaxPositionEmbeddings)
            throw new ArgumentException($"--max-context {options.MaxContext} exceeds the model's context of {model.Config.MaxPositionEmbeddings} ({model.File.Path})");
        if (options.Cells < options.MaxContext)
            throw new ArgumentException($"the KV cache holds {options.Cells} positions, fewer than one sequence of --max-context {options.MaxContext}; raise --kv-cache-memory or lower --max-context");
        if (options.Sequences is < 1 or > 256) throw new ArgumentException($"llama.cpp keeps 1 to 256 sequences apart, not {options.Sequences}");
        if (options.Sequences > options.Cells) throw new ArgumentException($"{options.Sequences} sequence ids need at least as many KV cells, not {options.Cells}");
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchTokens, 1);
        _options = options;
        Tokenizer = model.Tokenizer;
        MaxContext = options.MaxContext;
        LlamaNative.EnsureLoaded();
        LLamaModelParams modelParams = LLamaModelParams.Default();
        modelParams.n_gpu_layers = 0;
        _model = SafeLlamaModelHandle.LoadFromFile(model.File.Path, modelParams);
        LLamaContextParams contextParams = LLamaContextParams.Default();
        contextParams.n_ctx = (uint)options.Cells;
        // llama.cpp reserves one output per sequence id when it builds the graph, so n_batch (its output limit) must
        // cover them (below that it aborts on GGML_ASSERT(n_outputs_max <= cparams.n_outputs_max)); steps are still
        // split at BatchTokens.
        uint batch = (uint)Math.Max(options.BatchTokens, options.Sequences);
        contextParams.n_batch = batch;
        contextParams.n_ubatch = batch;
        contextParams.n_seq_max = (uint)options.Sequences;
        contextParams.kv_unified = true;
        contextParams.type_k = options.KvType;
        contextParams.type_v = options.KvType;
        contextParams.llama_flash_attn_type = options.FlashAttention
            ? LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_ENABLED
            : LLamaFlashAttentionType.LLAMA_FLASH_ATTENTION_TYPE_DISABLED;
        if (options.Threads > 0)
        {
            contextParams.n_threads = options.Threads;
            contextParams.n_threads_batch = options.Threads;
        }
        contextParams.no_perf = true;
        try
        {
            _context = SafeLLamaContextHandle.Create(_model, contextParams);
        }
        catch
        {
            _model.Dispose();
            throw;
        }
        VocabSize = _model.Vocab.Count;
        if (VocabSize != model.Config.VocabSize)
            throw new InvalidOperationException($"{model.File.Path}: llama.cpp reads {VocabSize} tokens, the file's metadata {model.Config.VocabSize}");
        _slots = new Slot[options.Sequences];
        for (int i = 0; i < _slots.Length; i++) _slots[i] = new Slot((LLamaSeqId)i);
        TotalBlocks = options.Cells / options.BlockSize;
    }

    public int VocabSize { get; }

    public int MaxContext { get; }

    public BpeTokenizer? Tokenizer { get; }

    public int BlockSize => _options.BlockSize;

    public int TotalBlocks { get; }

    public int UsedBlocks => _usedBlocks;

    public int FreeBlocks => TotalBlocks - _usedBlocks;

    /// <summary>Blocks no slot holds, running or cached.</summary>
    private int UnheldBlocks => TotalBlocks - _usedBlocks - _cachedBlocks;

    /// <summary>The native model (benchmarks and tests read its tokenizer and run plain decode loops on it).</summary>
    internal SafeLlamaModelHandle Model => _model;

    public int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0)
    {
        // ModelHost refuses --adapter for GGUF models at start; a slot here is a caller's mistake.
        if (adapter != 0) throw new ArgumentOutOfRangeException(nameof(adapter), adapter, "the llama.cpp backend serves no LoRA adapters (merge the adapter before exporting the GGUF file)");
        if (_bySequence.ContainsKey(sequence)) throw new InvalidOperationException($"sequence {sequence} has already begun");
        Slot? source = null;
        int shared = 0;
        if (_options.PrefixCaching)
        {
            foreach (Slot slot in _slots)
            {
                if (slot.Tokens.Count == 0) continue;
                int common = CommonPrefix(slot.Tokens, tokens, tokens.Count - 1); // the last prompt token is computed: its logits are needed
                if (common > shared) (source, shared) = (slot, common);
            }
        }
        Slot target = TakeSlot(keep: source);
        if (source is not null)
        {
            if (!MakeRoom(Blocks(shared), keep: source)) shared = 0; // nothing evictable: start empty
            else Copy(source, target, shared);
        }
        source?.Touch(++_clock);
        Own(target, sequence);
        return shared;
    }

    public bool Reserve(long sequence, int length)
    {
        Slot slot = SlotOf(sequence);
        int needed = Blocks(length) - Blocks(slot.Tokens.Count + slot.Reserved);
        if (needed <= 0) return true;
        if (!MakeRoom(needed, keep: slot)) return false;
        slot.Reserved = length - slot.Tokens.Count;
        Recount();
        return true;
    }

    public int Length(long sequence) => SlotOf(sequence).Tokens.Count;

    public void Truncate(long sequence, int length)
    {
        Slot slot = SlotOf(sequence);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, slot.Tokens.Count);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (length == slot.Tokens.Count) return;
        _context.MemorySequenceRemove(slot.Id, length, -1);
        slot.Tokens.RemoveRange(length, slot.Tokens.Count - length);
        Recount();
    }

    public void Fork(long source, long target, int length)
    {
        Slot from = SlotOf(source);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, from.Tokens.Count);
        if (_bySequence.ContainsKey(target)) throw new InvalidOperationException($"sequence {target} has already begun");
        Slot to = TakeSlot(keep: from);
        if (!MakeRoom(Blocks(length), keep: from))
        {
            throw new InvalidOperationException($"no KV room to fork {length} positions of sequence {source}");
        }
        Copy(from, to, length);
        Own(to, target);
    }

    public void Release(long sequence)
    {
        if (!_bySequence.Remove(sequence, out Slot? slot)) return;
        slot.Owner = null;
        slot.Reserved = 0;
        if (_options.PrefixCaching && slot.Tokens.Count > 0) slot.Touch(++_clock);
        else Clear(slot);
        Recount();
    }

    public StepLogits Execute(IReadOnlyList<BackendSequence> sequences)
    {
        var rows = new int[sequences.Count];
        int total = 0;
        for (int i = 0; i < sequences.Count; i++)
        {
            rows[i] = sequences[i].LogitRows;
            total += rows[i];
        }
        int count = total * VocabSize;
        if (_logits.Length < count) _logits = new float[count];
        foreach (BackendSequence s in sequences)
        {
            int held = SlotOf(s.Id).Tokens.Count;
            if (held + s.Tokens.Count > MaxContext)
                throw new InvalidOperationException($"sequence {s.Id} would hold {held + s.Tokens.Count} positions, beyond the context of {MaxContext}");
        }
        int row = 0;
        _batch.Clear();
        _outputs.Clear();
        try
        {
            foreach (BackendSequence s in sequences)
            {
                Slot slot = SlotOf(s.Id);
                int start = slot.Tokens.Count;
                for (int j = 0; j < s.Tokens.Count; j++)
                {
                    if (_batch.TokenCount == _options.BatchTokens) row = Decode(row);
                    bool logits = j >= s.Tokens.Count - s.LogitRows;
                    int index = _batch.Add(s.Tokens[j], start + j, slot.Id, logits);
                    if (logits) _outputs.Add(index);
                }
            }
            if (_batch.TokenCount > 0) row = Decode(row);
        }
        catch (InvalidOperationException)
        {
            // A step split into several decodes may fail after the first: drop every position past what each slot is
            // known to hold, so a failed step leaves no stale cells behind.
            foreach (BackendSequence s in sequences)
            {
                Slot slot = SlotOf(s.Id);
                _context.MemorySequenceRemove(slot.Id, slot.Tokens.Count, -1);
            }
            _batch.Clear();
            _outputs.Clear();
            throw;
        }
        if (row != total) throw new InvalidOperationException($"llama.cpp returned {row} logit rows, the step asked for {total}");
        foreach (BackendSequence s in sequences)
        {
            Slot slot = SlotOf(s.Id);
            slot.Tokens.AddRange(s.Tokens);
            slot.Reserved = Math.Max(0, slot.Reserved - s.Tokens.Count);
        }
        Recount();
        return new StepLogits(new ArraySegment<float>(_logits, 0, count), VocabSize, rows);
    }

    /// <summary>Runs the batch built so far, copies the rows it asked for from <paramref name="row"/> on, clears it; returns the next row.</summary>
    private int Decode(int row)
    {
        DecodeResult result = _context.Decode(_batch);
        if (result != DecodeResult.Ok)
            throw new InvalidOperationException($"llama_decode of {_batch.TokenCount} tokens failed: {result}");
        foreach (int index in _outputs)
        {
            _context.GetLogitsIth(index).CopyTo(_logits.AsSpan(row * VocabSize, VocabSize));
            row++;
        }
        _batch.Clear();
        _outputs.Clear();
        return row;
    }

    private static int CommonPrefix(List<int> held, IReadOnlyList<int> tokens, int limit)
    {
        int n = Math.Min(Math.Min(held.Count, tokens.Count), limit);
        int i = 0;
        while (i < n && held[i] == tokens[i]) i++;
        return i;
    }

    private int Blocks(int positions) => (positions + _options.BlockSize - 1) / _options.BlockSize;

    private Slot SlotOf(long sequence) =>
        _bySequence.TryGetValue(sequence, out Slot? slot) ? slot : throw new InvalidOperationException($"sequence {sequence} has not begun");

    /// <summary>A slot for a new sequence: a free one, else the least recently released cached one (never <paramref name="keep"/>).</summary>
    private Slot TakeSlot(Slot? keep)
    {
        Slot? best = null;
        foreach (Slot slot in _slots)
        {
            if (slot.Owner is not null || slot == keep) continue;
            if (slot.Tokens.Count == 0) return slot;
            if (best is null || slot.LastUsed < best.LastUsed) best = slot;
        }
        if (best is null) throw new InvalidOperationException($"all {_slots.Length} llama.cpp sequence ids are running");
        Clear(best);
        Recount();
        return best;
    }

    /// <summary>Evicts cached slots, oldest first (never <paramref name="keep"/>), until <paramref name="blocks"/> more are free; false if they cannot be.</summary>
    private bool MakeRoom(int blocks, Slot? keep)
    {
        while (UnheldBlocks < blocks)
        {
            Slot? oldest = null;
            foreach (Slot slot in _slots)
            {
                if (slot.Owner is not null || slot == keep || slot.Tokens.Count == 0) continue;
                if (oldest is null || slot.LastUsed < oldest.LastUsed) oldest = slot;
            }
            if (oldest is null) return false;
            Clear(oldest);
            Recount();
        }
        return true;
    }

    private void Copy(Slot from, Slot to, int length)
    {
        if (length > 0) _context.MemorySequenceCopy(from.Id, to.Id, 0, length);
        to.Tokens.AddRange(from.Tokens.Take(length));
    }

    private void Own(Slot slot, long sequence)
    {
        slot.Owner = sequence;
        slot.Reserved = 0;
        _bySequence[sequence] = slot;
        Recount();
    }

    private void Clear(Slot slot)
    {
        if (slot.Tokens.Count > 0) _context.MemorySequenceRemove(slot.Id, -1, -1);
        slot.Tokens.Clear();
        slot.Reserved = 0;
    }

    private void Recount()
    {
        int used = 0, cached = 0;
        foreach (Slot slot in _slots)
        {
            if (slot.Owner is null) cached += Blocks(slot.Tokens.Count);
            else used += Blocks(slot.Tokens.Count + slot.Reserved);
        }
        _usedBlocks = used;
        _cachedBlocks = cached;
    }

    public void Dispose()
    {
        _context.Dispose();
        _model.Dispose();
    }

    /// <summary>One llama.cpp sequence id: who runs on it (or null: free or a cached prompt) and the tokens its cells hold.</summary>
    private sealed class Slot(LLamaSeqId id)
    {
        public LLamaSeqId Id { get; } = id;

        public long? Owner { get; set; }

        public List<int> Tokens { get; } = [];

        /// <summary>Positions reserved beyond <see cref="Tokens"/> for the next steps.</summary>
        public int Reserved { get; set; }

        public long LastUsed { get; private set; }

        public void Touch(long clock) => LastUsed = clock;
    }
}
