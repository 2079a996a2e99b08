using CodeGen.Model.Tokenization;
using CodeGen.Server.Backends;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Tests.Scheduling;

/// <summary>
/// A backend without a model, for exact scheduler tests: the KV bookkeeping is the real <see cref="BlockManager"/>,
/// and the logits at a position are one-hot on (that position's token + 1) mod vocab, so greedy output after a
/// prompt ending in t is t+1, t+2, ...
/// </summary>
internal sealed class FakeBackend(int blocks, int blockSize, int maxContext = 1024, int vocab = 100) : IModelBackend
{
    private readonly BlockManager _blocks = new(blocks, blockSize);

    public List<IReadOnlyList<(long Id, int Tokens)>> Steps { get; } = [];

    public int VocabSize => vocab;

    public int MaxContext => maxContext;

    public BpeTokenizer? Tokenizer => null;

    public int BlockSize => _blocks.BlockSize;

    public int TotalBlocks => _blocks.TotalBlocks;

    public int UsedBlocks => _blocks.UsedBlocks;

    public int FreeBlocks => _blocks.FreeBlocks;

    public int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0) => _blocks.Begin(sequence, tokens, adapter);

    public bool Reserve(long sequence, int length) => _blocks.Reserve(sequence, length, []);

    public int Length(long sequence) => _blocks.Length(sequence);

    public void Truncate(long sequence, int length) => _blocks.Truncate(sequence, length);

    public void Fork(long source, long target, int length) => _blocks.Fork(source, target, length);

    public void Release(long sequence) => _blocks.Release(sequence);

    public StepLogits Execute(IReadOnlyList<BackendSequence> sequences)
    {
        Steps.Add(sequences.Select(s => (s.Id, s.Tokens.Count)).ToArray());
        var rows = new List<float>();
        foreach (BackendSequence s in sequences)
        {
            if (!_blocks.Holds(s.Id)) throw new InvalidOperationException($"sequence {s.Id} runs without holding KV");
            if (_blocks.BlocksFor(_blocks.Length(s.Id) + s.Tokens.Count) > _blocks.Table(s.Id).Count)
                throw new InvalidOperationException($"sequence {s.Id} runs past its reserved blocks");
            for (int r = s.Tokens.Count - s.LogitRows; r < s.Tokens.Count; r++)
            {
                var row = new float[vocab];
                row[(s.Tokens[r] + 1) % vocab] = 10;
                rows.AddRange(row);
            }
        }
        foreach (BackendSequence s in sequences) _blocks.Append(s.Id, s.Tokens);
        return new StepLogits(rows.ToArray(), vocab, sequences.Select(s => s.LogitRows).ToArray());
    }

    public void Dispose()
    {
    }
}
