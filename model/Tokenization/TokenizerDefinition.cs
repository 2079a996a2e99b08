using System.Text;

namespace CodeGen.Model.Tokenization;

/// <summary>The parts of a byte-level BPE tokenizer.json that encoding and decoding need.</summary>
/// <param name="Vocab">model.vocab: byte-level token string to id.</param>
/// <param name="Merges">model.merges in rank order (rank 0 is applied first).</param>
/// <param name="AddedTokens">added_tokens, matched literally before pre-tokenization.</param>
/// <param name="Normalization">Unicode normalization forms applied, in order, before pre-tokenization.</param>
/// <param name="PreTokenizer">Pre-tokenizer steps, applied in order.</param>
/// <param name="IgnoreMerges">model.ignore_merges: a piece that is itself in the vocab is one token.</param>
internal sealed record TokenizerDefinition(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    IReadOnlyList<NormalizationForm> Normalization,
    IReadOnlyList<PreTokenizerStep> PreTokenizer,
    bool IgnoreMerges);
