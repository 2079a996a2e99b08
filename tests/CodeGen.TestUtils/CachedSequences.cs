using CodeGen.Model;
using CodeGen.Model.Caching;
using static TorchSharp.torch;

namespace CodeGen.TestUtils;

/// <summary>
/// Test-side bookkeeping of a paged KV cache for model-level tests: each sequence gets a fixed block table
/// (consecutive blocks, or interleaved with the other sequences' so that attention must read several runs of the
/// pool) and its length advances by what each step runs.
/// </summary>
public sealed class CachedSequences : IDisposable
{
    private readonly CausalLM _model;
    private readonly int[][] _tables;
    private readonly int[] _lengths;

    public CachedSequences(CausalLM model, int sequences, int capacity, int blockSize = 4, bool interleaved = false)
    {
        _model = model;
        int perSequence = (capacity + blockSize - 1) / blockSize;
        Cache = model.CreateCache(sequences * perSequence + 1, blockSize);
        // Block 0 stays unused, so block ids and sequence indices differ.
        _tables = Enumerable.Range(0, sequences)
            .Select(s => Enumerable.Range(0, perSequence).Select(j => 1 + (interleaved ? j * sequences + s : s * perSequence + j)).ToArray())
            .ToArray();
        _lengths = new int[sequences];
    }

    public PagedKvCache Cache { get; }

    public int Length(int sequence) => _lengths[sequence];

    /// <summary>The step for <paramref name="tokens"/> appended to <paramref name="sequence"/>.</summary>
    public SequenceStep StepFor(int sequence, IReadOnlyList<int> tokens, int? logitRows = null) =>
        new(tokens, _lengths[sequence], _tables[sequence], logitRows ?? 1);

    /// <summary>Runs one forward of several sequences' tokens and advances their lengths; logits (R, vocab).</summary>
    public Tensor Run(params (int Sequence, IReadOnlyList<int> Tokens, int LogitRows)[] parts)
    {
        Tensor logits = _model.Forward(parts.Select(p => StepFor(p.Sequence, p.Tokens, p.LogitRows)).ToList(), Cache);
        foreach (var p in parts) _lengths[p.Sequence] += p.Tokens.Count;
        return logits;
    }

    /// <summary>Runs <paramref name="tokens"/> of one sequence; logits of its last <paramref name="logitRows"/> positions.</summary>
    public Tensor Run(int sequence, IReadOnlyList<int> tokens, int logitRows = 1) => Run((sequence, tokens, logitRows));

    public void Dispose() => Cache.Dispose();
}
