namespace CodeGen.Model.Tokenization;

/// <summary>Pre-tokenizer regular expressions of well-known byte-level BPE tokenizers.</summary>
public static class PreTokenizerPatterns
{
    /// <summary>
    /// GPT-2's pattern, used by the ByteLevel pre-tokenizer when <c>use_regex</c> is true.
    /// </summary>
    public const string Gpt2 = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>
    /// Qwen2's Split pattern: case-insensitive contractions, letters with at most one leading
    /// non-letter, single digits, punctuation runs with trailing newlines, and whitespace.
    /// </summary>
    public const string Qwen2 = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";
}
