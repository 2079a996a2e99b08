using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.Model.Lora;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Backends;
using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>
/// Owns the model directory's pieces: config, tokenizer and chat template (read at start, so requests can be
/// validated at once) and the backend (loaded in the background, so /health answers 503 until it is ready).
/// The KV pool is sized at start, so a budget that cannot hold one sequence of the context fails before loading.
/// </summary>
internal sealed class ModelHost : IDisposable
{
    private readonly Task<IModelBackend> _loading;
    private readonly Task<IModelBackend?> _draft = Task.FromResult<IModelBackend?>(null);

    /// <param name="directory">Hugging Face model directory.</param>
    /// <param name="dtype">Weight dtype.</param>
    /// <param name="device">Where the weights live.</param>
    /// <param name="engine">KV budget, block size, context cap.</param>
    /// <param name="adapterDirectory">A PEFT LoRA adapter merged at load, or null.</param>
    /// <param name="decorate">Wraps the loaded backend (tests put a gate around it), or null.</param>
    /// <exception cref="ArgumentException">A context cap beyond the model's, or a KV budget too small for one sequence.</exception>
    public ModelHost(string directory, ScalarType dtype, Device device, EngineOptions engine, string? adapterDirectory = null,
        Func<IModelBackend, IModelBackend>? decorate = null)
    {
        Directory = directory;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        Config = ModelConfig.Load(directory);
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        Tokenizer = File.Exists(tokenizerPath) ? BpeTokenizer.Load(tokenizerPath) : null;
        ChatTemplate = ReadChatTemplate(Path.Combine(directory, "tokenizer_config.json"));
        MaxContext = engine.MaxContext ?? Config.MaxPositionEmbeddings;
        if (MaxContext > Config.MaxPositionEmbeddings)
            throw new ArgumentException($"--max-context {MaxContext} exceeds the model's context of {Config.MaxPositionEmbeddings} (config.json max_position_embeddings)");
        KvBlocks = SizePool(Config, dtype, device, engine, MaxContext);
        // Read (and validate) the adapter now so a bad --adapter fails at start; apply it once the weights are in.
        PeftAdapter? adapter = adapterDirectory is null ? null : PeftAdapter.Load(adapterDirectory);
        AdapterName = adapterDirectory is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(adapterDirectory)));
        int blocks = KvBlocks;
        if (engine.DraftModel is string draftDirectory)
        {
            ModelConfig draftConfig = ModelConfig.Load(draftDirectory);
            CheckDraft(draftDirectory, draftConfig);
            int draftBlocks = engine.MaxBatch * ((MaxContext + engine.BlockSize - 1) / engine.BlockSize + 1);
            DraftName = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(draftDirectory)));
            _draft = Task.Run<IModelBackend?>(() =>
                new TorchBackend(CausalLM.Load(draftDirectory, dtype, device), Tokenizer, draftBlocks, engine.BlockSize, MaxContext, engine.PrefixCache));
        }
        _loading = Task.Run(() =>
        {
            using (adapter)
            {
                CausalLM model = CausalLM.Load(directory, dtype, device);
                adapter?.ApplyTo(model, merge: true); // merged at load: serving costs nothing extra
                IModelBackend backend = new TorchBackend(model, Tokenizer, blocks, engine.BlockSize, MaxContext, engine.PrefixCache);
                return decorate is null ? backend : decorate(backend);
            }
        });
    }

    /// <summary>The LoRA adapter merged into the weights, if any.</summary>
    public string? AdapterName { get; }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The model's id in the API (the directory name).</summary>
    public string Name { get; }

    /// <summary>config.json.</summary>
    public ModelConfig Config { get; }

    /// <summary>Most positions one sequence may hold (prompt and completion).</summary>
    public int MaxContext { get; }

    /// <summary>Blocks in the KV pool.</summary>
    public int KvBlocks { get; }

    /// <summary>tokenizer.json, or null for a model served by token ids only.</summary>
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

    // A draft must speak the target's tokens: the same vocabulary size and, when both have one, the same tokenizer.json.
    private void CheckDraft(string draftDirectory, ModelConfig draft)
    {
        if (draft.VocabSize != Config.VocabSize)
            throw new ArgumentException($"--draft-model {draftDirectory}: vocabulary of {draft.VocabSize} tokens, the model's has {Config.VocabSize}; a draft needs the same tokenizer");
        string draftTokenizer = Path.Combine(draftDirectory, "tokenizer.json");
        string tokenizer = Path.Combine(Directory, "tokenizer.json");
        if (File.Exists(draftTokenizer) && File.Exists(tokenizer)
            && !BpeTokenizer.Load(draftTokenizer).SameVocabulary(Tokenizer!))
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
