namespace CodeGen.Training.Tokenizers;

/// <summary>
/// A trained byte-level BPE vocabulary. Ids 0-255 are the single bytes 0x00-0xFF, id 256 + k is
/// the result of merge k, and the special tokens follow: special token i has id
/// <c>Tokens.Count + i</c>.
/// </summary>
/// <param name="Tokens">The bytes each non-special id stands for, by id.</param>
/// <param name="Merges">The merges in the order they were learned (rank order), as pairs of ids.</param>
/// <param name="SpecialTokens">The special tokens, in id order.</param>
internal sealed record TrainedBpe(
    IReadOnlyList<byte[]> Tokens,
    IReadOnlyList<(int Left, int Right)> Merges,
    IReadOnlyList<string> SpecialTokens)
{
    /// <summary>Total number of ids, special tokens included.</summary>
    public int VocabSize => Tokens.Count + SpecialTokens.Count;

    /// <summary>The id of special token <paramref name="index"/> of <see cref="SpecialTokens"/>.</summary>
    public int SpecialTokenId(int index) => Tokens.Count + index;
}
