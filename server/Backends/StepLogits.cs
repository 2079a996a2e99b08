namespace CodeGen.Server.Backends;

/// <summary>
/// The logit rows of one step as float spans: for each sequence of the step, its rows in position order. The
/// backend may reuse the storage for its next step: read the rows before running another.
/// </summary>
internal sealed class StepLogits
{
    private readonly ArraySegment<float> _data;
    private readonly int[] _firstRow;

    /// <param name="data">All rows, (R, vocab) row-major.</param>
    /// <param name="vocab">Row width.</param>
    /// <param name="rowsPerSequence">How many rows each sequence of the step has, in step order.</param>
    public StepLogits(ArraySegment<float> data, int vocab, IReadOnlyList<int> rowsPerSequence)
    {
        _data = data;
        Vocab = vocab;
        _firstRow = new int[rowsPerSequence.Count + 1];
        for (int i = 0; i < rowsPerSequence.Count; i++) _firstRow[i + 1] = _firstRow[i] + rowsPerSequence[i];
        if ((long)_firstRow[^1] * vocab != data.Count)
            throw new ArgumentException($"{data.Count} logits do not make {_firstRow[^1]} rows of {vocab}");
    }

    public int Vocab { get; }

    /// <summary>Rows of sequence <paramref name="index"/> (its place in the step).</summary>
    public int Rows(int index) => _firstRow[index + 1] - _firstRow[index];

    /// <summary>Row <paramref name="row"/> of sequence <paramref name="index"/> (row 0 is the earliest position that asked).</summary>
    public ReadOnlySpan<float> Row(int index, int row)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows(index));
        return _data.AsSpan((_firstRow[index] + row) * Vocab, Vocab);
    }
}
