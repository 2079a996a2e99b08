namespace CodeGen.Training.Tokenizers;

// A trained byte-level BPE vocabulary. Ids 0-255 are the single bytes 0x00-0xFF, id 256 + k is
// the result of merge k, and the special tokens follow: special token i has id
// Tokens.Count + i.
// Tokens: The bytes each non-special id stands for, by id.
// Merges: The merges in the order they were learned (rank order), as pairs of ids.
// SpecialTokens: The special tokens, in id order.
internal sealed record TrainedBpe(
    IReadOnlyList<byte[]> Tokens,
    IReadOnlyList<(int Left, int Right)> Merges,
    IReadOnlyList<string> SpecialTokens)
{
    // Total number of ids, special tokens included.
    public int VocabSize => Tokens.Count + SpecialTokens.Count;

    // Id of SpecialTokens[index].
    public int SpecialTokenId(int index) => Tokens.Count + index;
}
