using System.ComponentModel.DataAnnotations;

namespace CodeGen.Server.Engine;

/// <summary>How the engine runs the model (what the model is lives in ModelConfig).</summary>
internal sealed record EngineOptions
{
    /// <summary>Sequences decoded together (KV-cache slots). Default 8.</summary>
    [Range(1, 256)]
    public int MaxBatch { get; init; } = 8;

    /// <summary>Requests waiting for a slot before new ones get 429. Default 64.</summary>
    [Range(0, 100_000)]
    public int MaxQueue { get; init; } = 64;

    /// <summary>Most prompt tokens one sequence prefills per step, so long prompts do not stall decoding. Default 128.</summary>
    [Range(1, 1_000_000)]
    public int PrefillChunk { get; init; } = 128;

    /// <summary>Most tokens (prefill + decode) in one forward pass. Default 256.</summary>
    [Range(1, 1_000_000)]
    public int MaxStepTokens { get; init; } = 256;

    /// <summary>A request still running after this long is ended with an error ("timeout"). Default 300 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>Reuse the KV of a freed slot whose tokens prefix a new prompt. Default on (off only to measure its gain).</summary>
    public bool PrefixCache { get; init; } = true;

    /// <summary>Largest accepted request body in bytes. Default 4 MiB.</summary>
    public long MaxBodyBytes { get; init; } = 4L << 20;
}
