namespace CodeGen.Training.Tokenizers;

// What BpeTrainer learns.
internal sealed record BpeTrainerOptions
{
    // The special tokens every CodeGen tokenizer has, in id order.
    public static readonly IReadOnlyList<string> DefaultSpecialTokens =
        ["<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|file_sep|>", "<|pad|>"];

    // Total number of ids: the 256 byte symbols, the learned merges and the special tokens.
    // Default 8192. Fewer merges are learned if the corpus runs out of pairs first.
    public int VocabSize { get; init; } = 8192;

    // A pair seen fewer times than this (counting each word by its frequency) is never merged.
    // Default 2: a pair seen once only memorises one spelling.
    public long MinFrequency { get; init; } = 2;

    // Special tokens, given the ids right after the learned tokens. Default DefaultSpecialTokens.
    public IReadOnlyList<string> SpecialTokens { get; init; } = DefaultSpecialTokens;
}
