namespace CodeGen.Model.Sampling;

/// <summary>
/// The distribution a token was drawn from, after every processor, temperature, top-k and top-p: either dense
/// over the vocabulary (<see cref="Ids"/> null) or over the kept candidates only (every other token has
/// probability 0). Greedy decoding draws from a point mass on the argmax. Speculative rejection sampling reads it.
/// </summary>
/// <param name="Ids">Candidate token ids, most likely first, or null when <paramref name="Probabilities"/> is indexed by token id.</param>
/// <param name="Probabilities">Probabilities of the candidates (or of every token), summing to 1.</param>
public sealed record TokenDistribution(int[]? Ids, float[] Probabilities)
{
    /// <summary>The probability of <paramref name="token"/> under this distribution.</summary>
    public float Probability(int token)
    {
        if (Ids is null) return (uint)token < (uint)Probabilities.Length ? Probabilities[token] : 0f;
        int index = Array.IndexOf(Ids, token);
        return index < 0 ? 0f : Probabilities[index];
    }
}
