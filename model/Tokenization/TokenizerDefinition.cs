using System.Text;

namespace CodeGen.Model.Tokenization;

// The parts of a byte-level BPE tokenizer.json that encoding and decoding need.
// Vocab: model.vocab: byte-level token string to id.
// Merges: model.merges in rank order (rank 0 is applied first).
// AddedTokens: added_tokens, matched literally before pre-tokenization.
// Normalization: Unicode normalization forms applied, in order, before pre-tokenization.
// PreTokenizer: Pre-tokenizer steps, applied in order.
// IgnoreMerges: model.ignore_merges: a piece that is itself in the vocab is one token.
internal sealed record TokenizerDefinition(
    IReadOnlyDictionary<string, int> Vocab,
    IReadOnlyList<(string Left, string Right)> Merges,
    IReadOnlyList<AddedToken> AddedTokens,
    IReadOnlyList<NormalizationForm> Normalization,
    IReadOnlyList<PreTokenizerStep> PreTokenizer,
    bool IgnoreMerges);
