using CodeGen.Model.Tokenization;
using CodeGen.Server.Backends;

namespace CodeGen.Server.Tests.Engine;

/// <summary>
/// Wraps a real backend so a test controls the timing and sees the steps: with <see cref="Gated"/> each step waits
/// until the test <see cref="Release"/>s it; <see cref="FailWhen"/> makes a step throw; <see cref="Delay"/> slows
/// every step; every step's sequences and token counts are recorded.
/// </summary>
internal sealed class TestBackend(IModelBackend inner) : IModelBackend
{
    private readonly SemaphoreSlim _gate = new(0);
    private readonly SemaphoreSlim _entered = new(0);

    public bool Gated { get; set; }

    public TimeSpan Delay { get; set; }

    public Func<IReadOnlyList<BackendSequence>, bool>? FailWhen { get; set; }

    public List<IReadOnlyList<(long Id, int Tokens)>> Steps { get; } = [];

    public IModelBackend Inner => inner;

    /// <summary>Steps run (or entered) so far.</summary>
    public int StepCount
    {
        get
        {
            lock (Steps) return Steps.Count;
        }
    }

    /// <summary>Lets <paramref name="steps"/> gated steps run.</summary>
    public void Release(int steps = 1) => _gate.Release(steps);

    /// <summary>Waits until a step is waiting at the gate (or running, when not gated).</summary>
    public Task<bool> StepEnteredAsync(TimeSpan timeout) => _entered.WaitAsync(timeout);

    public int VocabSize => inner.VocabSize;

    public int MaxContext => inner.MaxContext;

    public BpeTokenizer? Tokenizer => inner.Tokenizer;

    public int BlockSize => inner.BlockSize;

    public int TotalBlocks => inner.TotalBlocks;

    public int UsedBlocks => inner.UsedBlocks;

    public int FreeBlocks => inner.FreeBlocks;

    public int Begin(long sequence, IReadOnlyList<int> tokens, int adapter = 0) => inner.Begin(sequence, tokens, adapter);

    public bool Reserve(long sequence, int length) => inner.Reserve(sequence, length);

    public int Length(long sequence) => inner.Length(sequence);

    public void Truncate(long sequence, int length) => inner.Truncate(sequence, length);

    public void Fork(long source, long target, int length) => inner.Fork(source, target, length);

    public void Release(long sequence) => inner.Release(sequence);

    public StepLogits Execute(IReadOnlyList<BackendSequence> sequences)
    {
        lock (Steps) Steps.Add(sequences.Select(s => (s.Id, s.Tokens.Count)).ToArray());
        _entered.Release();
        if (Gated && !_gate.Wait(TimeSpan.FromSeconds(30))) throw new TimeoutException("test gate was never released");
        if (Delay > TimeSpan.Zero) Thread.Sleep(Delay);
        if (FailWhen?.Invoke(sequences) == true) throw new InvalidOperationException("injected step failure");
        return inner.Execute(sequences);
    }

    public void Dispose() => inner.Dispose();
}
