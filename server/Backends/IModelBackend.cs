using CodeGen.Model.Tokenization;

namespace CodeGen.Server.Backends;

/// <summary>
/// What the engine drives: a model that runs steps over many sequences, and the KV memory those sequences hold.
/// A step runs each scheduled sequence's new tokens (a prefill chunk, one decode token, or a token with drafted
/// ones) and returns logit rows for the positions that asked. The KV operations are per sequence: the length
/// held, reserve room, truncate, fork a prefix into another sequence, release. The TorchSharp backend implements
/// them with a paged block pool; llama.cpp's memory API (sequence remove / copy / keep in one unified cache, one
/// batch carrying several sequence ids) maps onto the same calls.
/// Only the engine loop thread calls a backend.
/// </summary>
internal interface IModelBackend : IDisposable
{
    /// <summary>Vocabulary size (logit row width).</summary>
    int VocabSize { get; }

    /// <summary>Most positions one sequence may hold.</summary>
    int MaxContext { get; }

    /// <summary>The tokenizer, with each token's bytes, or null for a model served by token ids only.</summary>
    BpeTokenizer? Tokenizer { get; }

    /// <summary>Positions per KV block.</summary>
    int BlockSize { get; }

    /// <summary>KV blocks in all.</summary>
    int TotalBlocks { get; }

    /// <summary>KV blocks held by sequences.</summary>
    int UsedBlocks { get; }

    /// <summary>KV blocks that can be handed out now.</summary>
    int FreeBlocks { get; }

    /// <summary>
    /// Starts a sequence whose tokens begin with <paramref name="tokens"/>, run with LoRA adapter slot
    /// <paramref name="adapter"/> (0: the base model) in every step, reusing any cached prefix of the same adapter;
    /// returns the positions already held. A forked sequence runs with its source's adapter.
    /// </summary>
    /// <exception cref="ArgumentException">An adapter slot the backend does not hold.</exception>
    int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0);

    /// <summary>Makes room for <paramref name="sequence"/> to hold <paramref name="length"/> positions; false (and nothing changed) when the memory is full.</summary>
    bool Reserve(long sequence, int length);

    /// <summary>Positions <paramref name="sequence"/> holds.</summary>
    int Length(long sequence);

    /// <summary>Drops <paramref name="sequence"/>'s positions from <paramref name="length"/> on.</summary>
    void Truncate(long sequence, int length);

    /// <summary>Starts <paramref name="target"/> holding <paramref name="source"/>'s first <paramref name="length"/> positions, shared, not recomputed.</summary>
    void Fork(long source, long target, int length);

    /// <summary>Ends <paramref name="sequence"/> and frees (or caches) what it held.</summary>
    void Release(long sequence);

    /// <summary>Runs one forward over <paramref name="sequences"/> (each reserved for its new tokens) and advances their lengths.</summary>
    StepLogits Execute(IReadOnlyList<BackendSequence> sequences);
}
