using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.Model.Gguf;
using CodeGen.Model.Lora;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Backends;
using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>
/// Owns the model directory's pieces: config, tokenizer and chat template (read at start, so requests can be
/// validated at once) and the backend (loaded in the background, so /health answers 503 until it is ready).
/// The KV pool is sized at start, so a budget that cannot hold one sequence of the context fails before loading.
/// LoRA adapters (<c>--adapter</c>) are read and checked at start too and held unmerged beside the base weights, one
/// slot each (1, 2, ... in the order given), so a request's <c>model</c> picks the base or any adapter per sequence.
/// </summary>
internal sealed class ModelHost : IDisposable
{
    private readonly Task<IModelBackend> _loading;
    private readonly Task<IModelBackend?> _draft;
    private readonly string[] _adapterNames = [];

    /// <param name="directory">Hugging Face model directory.</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Where the weights live.</param>
    /// <param name="engine">KV budget, block size, context cap.</param>
    /// <param name="adapters">PEFT LoRA adapters served unmerged beside the base model, or null for none.</param>
    /// <param name="decorate">Wraps the loaded backend (tests put a gate around it), or null.</param>
    /// <exception cref="ArgumentException">A context cap beyond the model's, a KV budget too small for one sequence, or adapter names that clash.</exception>
    /// <exception cref="ModelLoadException">An adapter directory that is missing or not a valid PEFT LoRA adapter (named).</exception>
    public ModelHost(string directory, ScalarType dtype, Device device, EngineOptions engine, IReadOnlyList<AdapterSpec>? adapters = null,
        Func<IModelBackend, IModelBackend>? decorate = null)
    {
        Directory = directory;
        adapters ??= [];
        string backend = ChooseBackend(engine.Backend, directory);
        if (backend == "llama")
        {
            if (adapters.Count > 0) throw new ArgumentException("--adapter applies to the TorchSharp backend; merge the adapter before exporting the GGUF file");
            if (device.type != TorchSharp.DeviceType.CPU) throw new ArgumentException($"--device {device}: this build's llama.cpp backend runs on the CPU (LLamaSharp.Backend.Cpu)");
            if (engine.MaxBatch > 256) throw new ArgumentException($"--max-batch {engine.MaxBatch}: llama.cpp keeps at most 256 sequences apart");
            GgufModel gguf = GgufModel.Open(directory); // checked before llama.cpp sees it
            Name = Path.GetFileNameWithoutExtension(gguf.File.Path);
            Config = gguf.Config;
            Tokenizer = gguf.Tokenizer;
            ChatTemplate = gguf.ChatTemplate;
            MaxContext = CheckContext(engine, Config, gguf.File.Path);
            KvBlocks = SizePool(Config, dtype, device, engine, MaxContext);
            var options = new LlamaBackendOptions
            {
                Cells = KvBlocks * engine.BlockSize,
                MaxContext = MaxContext,
                BlockSize = engine.BlockSize,
                Sequences = Math.Min(Math.Min(256, KvBlocks * engine.BlockSize), Math.Max(16, 4 * engine.MaxBatch)),
                BatchTokens = Math.Min(KvBlocks * engine.BlockSize, Math.Max(512, engine.MaxStepTokens)),
                Threads = engine.Threads,
                KvType = dtype == float16 ? LLama.Native.GGMLType.GGML_TYPE_F16 : dtype == bfloat16 ? (LLama.Native.GGMLType)30 /* GGML_TYPE_BF16, absent from LLamaSharp's enum */ : LLama.Native.GGMLType.GGML_TYPE_F32,
                PrefixCaching = engine.PrefixCache,
            };
            (_draft, DraftName) = LoadDraft(engine, dtype, device);
            _loading = Task.Run(() =>
            {
                IModelBackend loaded = new LlamaBackend(gguf, options);
                return decorate is null ? loaded : decorate(loaded);
            });
            return;
        }
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        Config = ModelConfig.Load(directory);
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        Tokenizer = File.Exists(tokenizerPath) ? BpeTokenizer.Load(tokenizerPath) : null;
        ChatTemplate = ReadChatTemplate(Path.Combine(directory, "tokenizer_config.json"));
        MaxContext = CheckContext(engine, Config, "config.json max_position_embeddings");
        KvBlocks = SizePool(Config, dtype, device, engine, MaxContext);
        AdapterSpec.CheckNames(adapters, Name);
        _adapterNames = adapters.Select(a => a.Name).ToArray();
        // Read (and validate) the adapters now so a bad --adapter fails at start; add them once the weights are in.
        PeftAdapter[] loaded = LoadAdapters(adapters);
        int blocks = KvBlocks;
        try
        {
            (_draft, DraftName) = LoadDraft(engine, dtype, device);
        }
        catch
        {
            foreach (PeftAdapter adapter in loaded) adapter.Dispose();
            throw;
        }
        _loading = Task.Run(() =>
        {
            try
            {
                CausalLM model = CausalLM.Load(directory, dtype, device);
                try
                {
                    // Unmerged, slot i + 1 for the i-th adapter: each sequence of a step gets its own adapter's update.
                    foreach (PeftAdapter adapter in loaded) adapter.AddTo(model);
                }
                catch
                {
                    model.Dispose();
                    throw;
                }
                IModelBackend backend = new TorchBackend(model, Tokenizer, blocks, engine.BlockSize, MaxContext, engine.PrefixCache);
                return decorate is null ? backend : decorate(backend);
            }
            finally
            {
                foreach (PeftAdapter adapter in loaded) adapter.Dispose();
            }
        });
    }

    private static PeftAdapter[] LoadAdapters(IReadOnlyList<AdapterSpec> adapters)
    {
        var loaded = new List<PeftAdapter>();
        try
        {
            foreach (AdapterSpec a in adapters) loaded.Add(PeftAdapter.Load(a.Directory));
        }
        catch
        {
            foreach (PeftAdapter adapter in loaded) adapter.Dispose();
            throw;
        }
        return [.. loaded];
    }

    /// <summary>
    /// The adapter slot a request's <c>model</c> field names: 0 for the base model (its id, or no model field), i + 1
    /// for the i-th adapter; null for a name this server does not serve.
    /// </summary>
    public int? AdapterSlot(string? model)
    {
        if (model is null || model == Name) return 0;
        int index = Array.IndexOf(_adapterNames, model);
        return index < 0 ? null : index + 1;
    }

    /// <summary>The ids a request's <c>model</c> may name: the base model's, then each adapter's.</summary>
    public IReadOnlyList<string> ModelIds => [Name, .. _adapterNames];

    /// <summary>torch or llama for <c>--backend</c> <paramref name="requested"/> and the model path.</summary>
    /// <exception cref="ArgumentException">A backend that cannot read what the path holds.</exception>
    internal static string ChooseBackend(string requested, string path)
    {
        bool gguf = GgufModel.IsGguf(path);
        return requested switch
        {
            "llama" when !gguf && !path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && !System.IO.Directory.Exists(path) =>
                throw new ArgumentException($"--backend llama needs a GGUF file; {path} does not exist"),
            "llama" when !gguf && System.IO.Directory.Exists(path) =>
                throw new ArgumentException($"--backend llama needs a GGUF file or a directory holding one; {path} has none (export one with `training export --model DIR --format gguf`)"),
            "torch" when gguf => throw new ArgumentException($"--backend torch reads Hugging Face directories (config.json + safetensors); {path} is GGUF: use --backend llama"),
            "llama" => "llama",
            "torch" => "torch",
            _ => gguf || path.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) ? "llama" : "torch",
        };
    }

    private static int CheckContext(EngineOptions engine, ModelConfig config, string source)
    {
        int context = engine.MaxContext ?? config.MaxPositionEmbeddings;
        if (context > config.MaxPositionEmbeddings)
            throw new ArgumentException($"--max-context {context} exceeds the model's context of {config.MaxPositionEmbeddings} ({source})");
        return context;
    }

    /// <summary>The LoRA adapters served beside the base model, in slot order (slot i + 1), none merged.</summary>
    public IReadOnlyList<string> AdapterNames => _adapterNames;

    /// <summary>The model directory (or GGUF file).</summary>
    public string Directory { get; }

    /// <summary>The model's id in the API (the directory name).</summary>
    public string Name { get; }

    /// <summary>config.json.</summary>
    public ModelConfig Config { get; }

    /// <summary>Most positions one sequence may hold (prompt and completion).</summary>
    public int MaxContext { get; }

    /// <summary>Blocks in the KV pool.</summary>
    public int KvBlocks { get; }

    /// <summary>tokenizer.json (or the GGUF file's byte-level vocabulary), or null for a model served by token ids only.</summary>
    public BpeTokenizer? Tokenizer { get; }

    /// <summary>tokenizer_config.json's chat_template, if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Tokens that end generation: config.json's eos ids.</summary>
    public IReadOnlyList<int> StopTokenIds => Config.EosTokenIds;

    /// <summary>Whether loading finished successfully.</summary>
    public bool IsReady => _loading.IsCompletedSuccessfully;

    /// <summary>The load error, if loading failed.</summary>
    public Exception? LoadError => _loading.Exception?.GetBaseException();

    /// <summary>Waits for the backend.</summary>
    public Task<IModelBackend> GetAsync() => _loading;

    /// <summary>Waits for the draft model's backend (null when no <c>--draft-model</c> was given).</summary>
    public Task<IModelBackend?> GetDraftAsync() => _draft;

    /// <summary>The draft model's directory name, or null.</summary>
    public string? DraftName { get; }

    // The draft model (--draft-model, a Hugging Face directory on the TorchSharp backend, whatever the target's backend)
    // with a KV pool for max-batch sequences of the context; a completed null task without one.
    private (Task<IModelBackend?> Draft, string? Name) LoadDraft(EngineOptions engine, ScalarType dtype, Device device)
    {
        if (engine.DraftModel is not string draftDirectory) return (Task.FromResult<IModelBackend?>(null), null);
        ModelConfig draftConfig = ModelConfig.Load(draftDirectory);
        CheckDraft(draftDirectory, draftConfig);
        int draftBlocks = engine.MaxBatch * ((MaxContext + engine.BlockSize - 1) / engine.BlockSize + 1);
        int maxContext = Math.Min(MaxContext, draftConfig.MaxPositionEmbeddings);
        BpeTokenizer? tokenizer = Tokenizer;
        var draft = Task.Run<IModelBackend?>(() =>
            new TorchBackend(CausalLM.Load(draftDirectory, dtype, device), tokenizer, draftBlocks, engine.BlockSize, maxContext, engine.PrefixCache));
        return (draft, Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(draftDirectory))));
    }

    // A draft must speak the target's tokens: the same vocabulary size and, when both have one, the same tokenizer.json.
    private void CheckDraft(string draftDirectory, ModelConfig draft)
    {
        if (draft.VocabSize != Config.VocabSize)
            throw new ArgumentException($"--draft-model {draftDirectory}: vocabulary of {draft.VocabSize} tokens, the model's has {Config.VocabSize}; a draft needs the same tokenizer");
        string draftTokenizer = Path.Combine(draftDirectory, "tokenizer.json");
        if (File.Exists(draftTokenizer) && Tokenizer is not null && !BpeTokenizer.Load(draftTokenizer).SameVocabulary(Tokenizer))
            throw new ArgumentException($"--draft-model {draftDirectory}: its tokenizer.json differs from the model's; a draft needs the same tokenizer");
    }

    /// <summary>
    /// Blocks for the pool: <c>--kv-cache-memory</c> bytes, or a fraction of available memory; by default a quarter of
    /// it, but no more than max-batch sequences of the full context need (plus one block each).
    /// </summary>
    private static int SizePool(ModelConfig config, ScalarType dtype, Device device, EngineOptions engine, int maxContext)
    {
        long bytesPerBlock = PagedKvCache.BytesPerToken(config, dtype) * engine.BlockSize;
        string spec = engine.KvCacheMemory ?? KvCacheMemory.Default;
        if (KvCacheMemory.IsFraction(spec, out _) && device.type != TorchSharp.DeviceType.CPU)
            throw new ArgumentException($"--kv-cache-memory {spec}: a fraction is of system memory; on {device} give bytes (e.g. 16GiB)");
        long budget = KvCacheMemory.Parse(spec, KvCacheMemory.AvailableBytes());
        long blocks = budget / bytesPerBlock;
        int blocksPerSequence = (maxContext + engine.BlockSize - 1) / engine.BlockSize;
        if (engine.KvCacheMemory is null) blocks = Math.Min(blocks, (long)engine.MaxBatch * (blocksPerSequence + 1));
        if (blocks < blocksPerSequence)
        {
            throw new ArgumentException(
                $"--kv-cache-memory {spec} ({budget >> 20} MiB) holds {blocks} KV blocks of {engine.BlockSize} positions, fewer than the {blocksPerSequence} " +
                $"one sequence of --max-context {maxContext} needs ({bytesPerBlock * blocksPerSequence >> 20} MiB); raise --kv-cache-memory or lower --max-context");
        }
        return (int)Math.Min(blocks, int.MaxValue / engine.BlockSize);
    }

    private static string? ReadChatTemplate(string path) =>
        File.Exists(path) ? (string?)(JsonNode.Parse(File.ReadAllText(path)) as JsonObject)?["chat_template"] : null;

    public void Dispose()
    {
        if (_loading.IsCompletedSuccessfully) _loading.Result.Dispose();
        if (_draft.IsCompletedSuccessfully) _draft.Result?.Dispose();
    }
}
