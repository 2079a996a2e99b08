using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;
using MlBpeTokenizer = Microsoft.ML.Tokenizers.BpeTokenizer;

namespace CodeGen.Model.Tokenization;

/// <summary>
/// A byte-level BPE tokenizer (GPT-2, Qwen2, StarCoder style) loaded from a Hugging Face
/// tokenizer.json. Encoding and decoding are lossless: <c>Decode(Encode(text)) == text</c> for
/// any string of valid UTF-16 (unless the file asks for Unicode normalization). Thread-safe.
/// </summary>
/// <remarks>
/// The BPE merge step itself is Microsoft.ML.Tokenizers' <see cref="MlBpeTokenizer"/> with
/// <see cref="BpeOptions.ByteLevel"/>, which maps UTF-8 bytes to the GPT-2 alphabet and applies
/// merges by rank. Written here, because that library lacks them: reading tokenizer.json; added
/// tokens matched anywhere in the text by longest match and switchable per call (the library only
/// recognises special tokens as whole pre-tokenized pieces, fixed at construction); Hugging
/// Face's Split/ByteLevel pre-tokenizer semantics (pieces between regex matches are kept, not
/// dropped; add_prefix_space); and decoding to bytes, which the streaming decoder needs and which
/// keeps invalid UTF-8 as U+FFFD instead of failing.
/// </remarks>
public sealed class BpeTokenizer
{
    private const int MaxCachedPieceLength = 64;
    private const int MaxCacheEntries = 200_000;

    private readonly MlBpeTokenizer _bpe;
    private readonly Dictionary<string, int> _vocab;
    private readonly FrozenDictionary<string, int> _addedTokens;
    private readonly FrozenDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _addedTokenLookup;
    private readonly Regex? _allAddedTokens;
    private readonly Regex? _nonSpecialAddedTokens;
    private readonly NormalizationForm[] _normalization;
    private readonly PreTokenizerStep[] _preTokenizer;
    private readonly bool _ignoreMerges;
    private readonly string?[] _idToToken;
    private readonly byte[]?[] _idToBytes;

    // Piece (pre-tokenized word) -> ids. The library also caches merged words, but only those of
    // up to 15 bytes, and still pays for byte mapping and result lists on every call.
    private readonly ConcurrentDictionary<string, int[]> _pieceCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> _pieceCacheLookup;
    private int _pieceCacheCount;

    private BpeTokenizer(TokenizerDefinition definition, string source)
    {
        _vocab = new Dictionary<string, int>(definition.Vocab, StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            string symbol = ByteLevelAlphabet.ToChar((byte)b).ToString();
            if (!_vocab.ContainsKey(symbol))
            {
                throw new InvalidDataException(
                    $"Tokenizer '{source}' is not byte-level: model.vocab lacks the symbol '{symbol}' for byte 0x{b:X2}.");
            }
        }

        _bpe = CreateMergeModel(definition, source);
        _normalization = [.. definition.Normalization];
        _preTokenizer = [.. definition.PreTokenizer];
        _ignoreMerges = definition.IgnoreMerges;

        Dictionary<string, int> added = new(StringComparer.Ordinal);
        foreach (AddedToken token in definition.AddedTokens)
        {
            added[token.Content] = token.Id;
        }

        _addedTokens = added.ToFrozenDictionary(StringComparer.Ordinal);
        _addedTokenLookup = _addedTokens.GetAlternateLookup<ReadOnlySpan<char>>();
        _allAddedTokens = BuildAddedTokenRegex(definition.AddedTokens);
        _nonSpecialAddedTokens = BuildAddedTokenRegex(definition.AddedTokens.Where(t => !t.Special));
        SpecialTokenIds = definition.AddedTokens.Where(t => t.Special).Select(t => t.Id).ToFrozenSet();

        VocabSize = Math.Max(_vocab.Values.Max(), definition.AddedTokens.Count == 0 ? -1 : definition.AddedTokens.Max(t => t.Id)) + 1;
        _idToToken = new string?[VocabSize];
        _idToBytes = new byte[]?[VocabSize];
        foreach ((string token, int id) in _vocab)
        {
            _idToToken[id] = token;
            // As Hugging Face's ByteLevel decoder: a token with a character outside the alphabet decodes to its UTF-8.
            _idToBytes[id] = ByteLevelAlphabet.Decode(token) ?? Encoding.UTF8.GetBytes(token);
        }

        foreach (AddedToken token in definition.AddedTokens)
        {
            _idToToken[token.Id] = token.Content;
            _idToBytes[token.Id] = Encoding.UTF8.GetBytes(token.Content);
        }

        _pieceCacheLookup = _pieceCache.GetAlternateLookup<ReadOnlySpan<char>>();
        EndOfTextId = TokenToId("<|endoftext|>");
        FimPrefixId = TokenToId("<|fim_prefix|>");
        FimMiddleId = TokenToId("<|fim_middle|>");
        FimSuffixId = TokenToId("<|fim_suffix|>");
        FileSeparatorId = TokenToId("<|file_sep|>");
        PadId = TokenToId("<|pad|>");
    }

    /// <summary>Number of ids: one more than the largest id in the vocabulary or the added tokens.</summary>
    public int VocabSize { get; }

    /// <summary>Ids of the added tokens marked <c>special</c> in tokenizer.json.</summary>
    public IReadOnlySet<int> SpecialTokenIds { get; }

    /// <summary>Id of <c>&lt;|endoftext|&gt;</c>, if the tokenizer has it.</summary>
    public int? EndOfTextId { get; }

    /// <summary>Id of <c>&lt;|fim_prefix|&gt;</c>, if the tokenizer has it.</summary>
    public int? FimPrefixId { get; }

    /// <summary>Id of <c>&lt;|fim_middle|&gt;</c>, if the tokenizer has it.</summary>
    public int? FimMiddleId { get; }

    /// <summary>Id of <c>&lt;|fim_suffix|&gt;</c>, if the tokenizer has it.</summary>
    public int? FimSuffixId { get; }

    /// <summary>Id of <c>&lt;|file_sep|&gt;</c>, if the tokenizer has it.</summary>
    public int? FileSeparatorId { get; }

    /// <summary>Id of <c>&lt;|pad|&gt;</c>, if the tokenizer has it.</summary>
    public int? PadId { get; }

    /// <summary>Loads a Hugging Face tokenizer.json of a byte-level BPE model.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON or not a consistent tokenizer.json.</exception>
    /// <exception cref="NotSupportedException">The model or a pipeline step is not byte-level BPE.</exception>
    public static BpeTokenizer Load(string tokenizerJsonPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenizerJsonPath);
        string json;
        try
        {
            json = File.ReadAllText(tokenizerJsonPath);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new FileNotFoundException($"Tokenizer file '{tokenizerJsonPath}' was not found.", tokenizerJsonPath, ex);
        }

        return new BpeTokenizer(TokenizerJsonParser.Parse(json, tokenizerJsonPath), tokenizerJsonPath);
    }

    /// <summary>Creates a tokenizer from its parts (a GGUF file's vocabulary); <paramref name="source"/> names it in errors.</summary>
    internal static BpeTokenizer FromDefinition(TokenizerDefinition definition, string source) => new(definition, source);

    /// <summary>Creates a tokenizer from the text of a tokenizer.json.</summary>
    /// <exception cref="InvalidDataException">The text is not valid JSON or not a consistent tokenizer.json.</exception>
    /// <exception cref="NotSupportedException">The model or a pipeline step is not byte-level BPE.</exception>
    public static BpeTokenizer FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        const string source = "(tokenizer.json text)";
        return new BpeTokenizer(TokenizerJsonParser.Parse(json, source), source);
    }

    /// <summary>
    /// Encodes <paramref name="text"/>. Added tokens are matched literally first, longest match
    /// first; the text between them is normalized (if configured), pre-tokenized and BPE-merged.
    /// </summary>
    /// <param name="text">The text to encode.</param>
    /// <param name="parseSpecialTokens">
    /// Whether special added tokens in the text become their ids; when false, text such as
    /// "&lt;|endoftext|&gt;" is encoded as ordinary characters (non-special added tokens still match).
    /// </param>
    public IReadOnlyList<int> Encode(string text, bool parseSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        List<int> ids = new(text.Length / 3 + 1);
        Regex? addedTokens = parseSpecialTokens ? _allAddedTokens : _nonSpecialAddedTokens;
        int position = 0;
        if (addedTokens is not null)
        {
            foreach (ValueMatch match in addedTokens.EnumerateMatches(text))
            {
                EncodeSegment(text.AsMemory(position, match.Index - position), ids);
                ids.Add(_addedTokenLookup[text.AsSpan(match.Index, match.Length)]);
                position = match.Index + match.Length;
            }
        }

        EncodeSegment(text.AsMemory(position), ids);
        return ids;
    }

    /// <summary>
    /// Decodes <paramref name="ids"/> to text. Byte sequences that are not valid UTF-8 (a character
    /// cut off by the end of <paramref name="ids"/>) become U+FFFD; ids outside the vocabulary are
    /// skipped, as Hugging Face does.
    /// </summary>
    /// <param name="ids">The token ids.</param>
    /// <param name="skipSpecialTokens">Whether to leave out the tokens in <see cref="SpecialTokenIds"/>.</param>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArrayBufferWriter<byte> bytes = new();
        foreach (int id in ids)
        {
            bytes.Write(GetTokenBytes(id, skipSpecialTokens));
        }

        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    /// <summary>Creates a decoder that turns ids into text one at a time without splitting characters.</summary>
    /// <param name="skipSpecialTokens">Whether to leave out the tokens in <see cref="SpecialTokenIds"/>.</param>
    public StreamingDecoder CreateStreamingDecoder(bool skipSpecialTokens = false) => new(this, skipSpecialTokens);

    /// <summary>The id of <paramref name="token"/> (an added token's text, or a vocabulary entry in byte-level form).</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _addedTokens.TryGetValue(token, out int id) || _vocab.TryGetValue(token, out id) ? id : null;
    }

    /// <summary>The token with id <paramref name="id"/> as stored in tokenizer.json (byte-level form for vocabulary entries).</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Whether <paramref name="other"/> maps every id to the same token string (a draft model's tokenizer must).</summary>
    public bool SameVocabulary(BpeTokenizer other) =>
        VocabSize == other.VocabSize && _idToToken.AsSpan().SequenceEqual(other._idToToken);

    /// <summary>The bytes token <paramref name="id"/> stands for (UTF-8, possibly part of a character); empty for an unknown id. Decoding constraints read them.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id) => GetTokenBytes(id, skipSpecialTokens: false);

    // The UTF-8 bytes id stands for; empty for unknown ids and skipped special tokens.
    internal ReadOnlySpan<byte> GetTokenBytes(int id, bool skipSpecialTokens)
    {
        if ((uint)id >= (uint)_idToBytes.Length || (skipSpecialTokens && SpecialTokenIds.Contains(id)))
        {
            return [];
        }

        return _idToBytes[id];
    }

    private static MlBpeTokenizer CreateMergeModel(TokenizerDefinition definition, string source)
    {
        List<string> merges = new(definition.Merges.Count);
        HashSet<(string, string)> seen = [];
        foreach ((string left, string right) in definition.Merges)
        {
            // The library takes merges as "a b" lines; byte-level symbols never contain a space.
            if (left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Tokenizer '{source}' has merge ('{left}', '{right}') with a space, which byte-level tokens never contain.");
            }

            // The library rejects duplicate merges; the first (lowest) rank is the one that applies.
            if (seen.Add((left, right)))
            {
                merges.Add($"{left} {right}");
            }
        }

        try
        {
            return MlBpeTokenizer.Create(new BpeOptions(definition.Vocab) { Merges = merges, ByteLevel = true });
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException($"Tokenizer '{source}' is inconsistent: {ex.Message}", ex);
        }
    }

    private static Regex? BuildAddedTokenRegex(IEnumerable<AddedToken> tokens)
    {
        // Longest first, so that at any position the alternation picks the longest token.
        string[] alternatives = [.. tokens
            .Select(t => t.Content)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(c => c.Length)
            .ThenBy(c => c, StringComparer.Ordinal)
            .Select(Regex.Escape)];
        return alternatives.Length == 0
            ? null
            : new Regex(string.Join('|', alternatives), RegexOptions.Compiled | RegexOptions.CultureInvariant);
    }

    private void EncodeSegment(ReadOnlyMemory<char> segment, List<int> ids)
    {
        if (segment.IsEmpty)
        {
            return;
        }

        if (_normalization.Length > 0)
        {
            string normalized = segment.ToString();
            foreach (NormalizationForm form in _normalization)
            {
                normalized = normalized.Normalize(form);
            }

            segment = normalized.AsMemory();
        }

        List<ReadOnlyMemory<char>> pieces = [segment];
        List<ReadOnlyMemory<char>> next = [];
        foreach (PreTokenizerStep step in _preTokenizer)
        {
            next.Clear();
            foreach (ReadOnlyMemory<char> piece in pieces)
            {
                step.Apply(piece, next);
            }

            (pieces, next) = (next, pieces);
        }

        foreach (ReadOnlyMemory<char> piece in pieces)
        {
            EncodePiece(piece.Span, ids);
        }
    }

    private void EncodePiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        bool cacheable = piece.Length <= MaxCachedPieceLength;
        if (cacheable && _pieceCacheLookup.TryGetValue(piece, out int[]? cached))
        {
            ids.AddRange(cached);
            return;
        }

        int[] pieceIds = MergePiece(piece);
        if (cacheable && Volatile.Read(ref _pieceCacheCount) < MaxCacheEntries && _pieceCacheLookup.TryAdd(piece, pieceIds))
        {
            Interlocked.Increment(ref _pieceCacheCount);
        }

        ids.AddRange(pieceIds);
    }

    private int[] MergePiece(ReadOnlySpan<char> piece)
    {
        if (_ignoreMerges)
        {
            int byteCount = Encoding.UTF8.GetByteCount(piece);
            byte[] utf8 = new byte[byteCount];
            Encoding.UTF8.GetBytes(piece, utf8);
            if (_vocab.TryGetValue(ByteLevelAlphabet.Encode(utf8), out int whole))
            {
                return [whole];
            }
        }

        return [.. _bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false)];
    }
}
