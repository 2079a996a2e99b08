namespace CodeGen.Training.Tokenizers;

/// <summary>What <see cref="BpeTrainer"/> learns.</summary>
internal sealed record BpeTrainerOptions
{
    /// <summary>The special tokens every CodeGen tokenizer has, in id order.</summary>
    public static readonly IReadOnlyList<string> DefaultSpecialTokens =
        ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|file_sep|>", "<|pad|>"];

    /// <summary>
    /// Total number of ids: the 256 byte symbols, the learned merges and the special tokens.
    /// Default 8192. Fewer merges are learned if the corpus runs out of pairs first.
    /// </summary>
    public int VocabSize { get; init; } = 8192;

    /// <summary>
    /// A pair seen fewer times than this (counting each word by its frequency) is never merged.
    /// Default 2: a pair seen once only memorises one spelling.
    /// </summary>
    public long MinFrequency { get; init; } = 2;

    /// <summary>Special tokens, given the ids right after the learned tokens. Default <see cref="DefaultSpecialTokens"/>.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = DefaultSpecialTokens;
}
