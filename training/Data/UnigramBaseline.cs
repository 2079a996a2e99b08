namespace CodeGen.Training.Data;

/// <summary>
/// The unigram baseline a language model must beat: token frequencies counted on the training sequences
/// (add-one smoothed), scored as mean cross-entropy (nats per token) on validation targets — the same
/// next-token targets the model's validation loss uses.
/// </summary>
internal static class UnigramBaseline
{
    public static (double TrainEntropy, double ValidationCrossEntropy, long ValidationTokens) Measure(ShardSet data, int? validationSequences = null)
    {
        int length = data.Index.SeqLen + 1;
        var counts = new long[data.Index.VocabSize];
        var buffer = new long[length];
        long total = 0;
        foreach (long index in data.Train)
        {
            data.Read(index, buffer);
            for (int i = 1; i < length; i++) counts[buffer[i]]++; // targets, as the loss sees them
            total += length - 1;
        }
        double denominator = total + counts.Length;
        double[] logProbability = counts.Select(c => Math.Log((c + 1) / denominator)).ToArray();
        double entropy = -counts.Select((c, i) => c * logProbability[i]).Sum() / total;

        double nll = 0;
        long tokens = 0;
        foreach (long index in data.Validation.Take(validationSequences ?? int.MaxValue))
        {
            data.Read(index, buffer);
            for (int i = 1; i < length; i++) nll -= logProbability[buffer[i]];
            tokens += length - 1;
        }
        return (entropy, tokens == 0 ? double.NaN : nll / tokens, tokens);
    }
}
