namespace CodeGen.Server.Engine;

/// <summary>How the engine runs the model (what the model is lives in ModelConfig). Validated at start by <see cref="Validate"/>.</summary>
internal sealed record EngineOptions
{
    /// <summary>Most sequences decoded together (<c>--max-batch</c>). Default 8.</summary>
    public int MaxBatch { get; init; } = 8;

    /// <summary>Requests waiting to run before new ones get 429 (<c>--max-queue</c>). Default 64.</summary>
    public int MaxQueue { get; init; } = 64;

    /// <summary>Most prompt tokens one sequence prefills per step, so long prompts do not stall decoding (<c>--prefill-chunk</c>). Default 128.</summary>
    public int PrefillChunk { get; init; } = 128;

    /// <summary>Most tokens (prefill + decode) in one forward pass (<c>--max-step-tokens</c>). Default 256.</summary>
    public int MaxStepTokens { get; init; } = 256;

    /// <summary>A request still running after this long ends with "timeout" (<c>--request-timeout</c>, seconds). Default 300 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Share KV blocks between sequences: full blocks of identical prefixes by hash, and the prompt of the n choices of one request by fork (<c>--no-prefix-cache</c> turns both off, to measure their gain). Default on.</summary>
    public bool PrefixCache { get; init; } = true;

    /// <summary>Positions per KV block (<c>--block-size</c>). Default 16.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>KV pool size: bytes ("8GiB") or a fraction of available memory ("0.25") (<c>--kv-cache-memory</c>). Default <see cref="KvCacheMemory.Default"/>, capped by what MaxBatch sequences of MaxContext need.</summary>
    public string? KvCacheMemory { get; init; }

    /// <summary>Most positions one sequence may hold (<c>--max-context</c>); null: the model's context.</summary>
    public int? MaxContext { get; init; }

    /// <summary>A smaller model with the same tokenizer that proposes drafts for <c>speculative: "draft"</c> (<c>--draft-model</c>); null: none.</summary>
    public string? DraftModel { get; init; }

    /// <summary>Which backend runs the model (<c>--backend</c>): torch (Hugging Face directories), llama (GGUF files through llama.cpp), or auto (llama for a .gguf file or a directory holding one, torch otherwise). Default auto.</summary>
    public string Backend { get; init; } = "auto";

    /// <summary>CPU threads of the llama.cpp backend (<c>--threads</c>); 0: llama.cpp's default (the machine's cores). The TorchSharp backend keeps libtorch's own setting.</summary>
    public int Threads { get; init; }

    /// <summary>Largest accepted request body in bytes. Default 4 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 4L << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first flag out of range.</summary>
    public void Validate()
    {
        Check(MaxBatch is >= 1 and <= 1024, $"--max-batch must be in 1..1024, got {MaxBatch}");
        Check(MaxQueue is >= 0 and <= 100_000, $"--max-queue must be in 0..100000, got {MaxQueue}");
        Check(PrefillChunk is >= 1 and <= 1_000_000, $"--prefill-chunk must be in 1..1000000, got {PrefillChunk}");
        Check(MaxStepTokens >= MaxBatch && MaxStepTokens <= 1_000_000,
            $"--max-step-tokens must be in --max-batch ({MaxBatch})..1000000 so every running sequence can decode each step, got {MaxStepTokens}");
        Check(RequestTimeout > TimeSpan.Zero, $"--request-timeout must be > 0 seconds, got {RequestTimeout.TotalSeconds}");
        Check(BlockSize is >= 1 and <= 1024, $"--block-size must be in 1..1024, got {BlockSize}");
        Check(MaxContext is null or >= 2, $"--max-context must be >= 2, got {MaxContext}");
        Check(Backend is "auto" or "torch" or "llama", $"--backend must be torch, llama or auto, got '{Backend}'");
        Check(Threads is >= 0 and <= 1024, $"--threads must be in 0..1024 (0: the machine's cores), got {Threads}");
        if (KvCacheMemory is not null) Engine.KvCacheMemory.Parse(KvCacheMemory, 1L << 30);
    }

    private static void Check(bool condition, string message)
    {
        if (!condition) throw new ArgumentException(message);
    }
}
