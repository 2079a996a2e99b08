using LLama.Native;

namespace CodeGen.Server.Backends;

/// <summary>How the llama.cpp backend runs a GGUF file (what the weights are is the file's business).</summary>
internal sealed record LlamaBackendOptions
{
    /// <summary>Positions in the one unified KV cache, shared by every sequence.</summary>
    public required int Cells { get; init; }

    /// <summary>Most positions one sequence may hold.</summary>
    public required int MaxContext { get; init; }

    /// <summary>Sequence ids llama.cpp keeps apart (running sequences plus prompts kept for the prefix cache); at most 256.</summary>
    public int Sequences { get; init; } = 64;

    /// <summary>Positions per accounting block (the engine's admission unit); llama.cpp itself allocates per position.</summary>
    public int BlockSize { get; init; } = 16;

    /// <summary>Most tokens one llama_decode takes; a larger step is split into several.</summary>
    public int BatchTokens { get; init; } = 512;

    /// <summary>CPU threads for decode and prefill (0: llama.cpp's default).</summary>
    public int Threads { get; init; }

    /// <summary>KV cache element type (F32 for bit-comparisons with the TorchSharp engine).</summary>
    public GGMLType KvType { get; init; } = GGMLType.GGML_TYPE_F32;

    /// <summary>llama.cpp's flash attention (off by default: it decoded faster on the CPUs measured, and the reference comparison needs it off).</summary>
    public bool FlashAttention { get; init; }

    /// <summary>Keep released prompts' KV and reuse the longest common prefix of a new prompt.</summary>
    public bool PrefixCaching { get; init; } = true;
}
