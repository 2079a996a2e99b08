using System.Text;
using System.Text.Json;
using CodeGen.Model.Tokenization;

namespace CodeGen.Model.Tests.Tokenization;

public sealed class BpeTokenizerTests
{
    // Tiny tokenizer: ids 0-255 are the bytes, then these merges in rank order, then added tokens.
    // "ow" outranks "lo", so "low" must merge o+w first; merging left to right would give lo + w.
    private static readonly (string Left, string Right)[] TinyMerges =
    [
        ("o", "w"),     // 256 "ow"
        ("l", "o"),     // 257 "lo"
        ("l", "ow"),    // 258 "low"
        ("Ġ", "low"),   // 259 "Ġlow"
        ("e", "r"),     // 260 "er"
        ("low", "er"),  // 261 "lower"
    ];

    private static readonly string FixturePath =
        Path.Combine(AppContext.BaseDirectory, "Fixtures", "tokenizer-small", "tokenizer.json");

    private static readonly BpeTokenizer Tiny = BpeTokenizer.FromJson(TinyTokenizerJson(mergesAsArrays: true));

    private static readonly BpeTokenizer Fixture = BpeTokenizer.Load(FixturePath);

    [Theory]
    [InlineData("low", new[] { 258 })]
    [InlineData("lo", new[] { 257 })]
    [InlineData("lower", new[] { 261 })]
    [InlineData(" lower", new[] { 259, 260 })]
    [InlineData("wol", new[] { 119, 111, 108 })]
    [InlineData("low low", new[] { 258, 259 })]
    public void Encode_TinyTokenizer_AppliesMergesByRank(string text, int[] expected)
    {
        Assert.Equal(expected, Tiny.Encode(text));
    }

    [Fact]
    public void Encode_SpecialTokenInText_SplitsItOutAsOneId()
    {
        Assert.Equal([258, 262, 259, 260], Tiny.Encode("low<|endoftext|> lower"));
    }

    [Fact]
    public void Encode_ParseSpecialTokensFalse_EncodesSpecialTokenTextAsBytes()
    {
        // Pre-tokenized as "<|", "endoftext", "|>"; "er" is not in it, so all single bytes.
        Assert.Equal(
            [60, 124, 101, 110, 100, 111, 102, 116, 101, 120, 116, 124, 62],
            Tiny.Encode("<|endoftext|>", parseSpecialTokens: false));
    }

    [Fact]
    public void Encode_ParseSpecialTokensFalse_StillMatchesNonSpecialAddedTokens()
    {
        Assert.Equal([97, 264, 98], Tiny.Encode("a==b", parseSpecialTokens: false));
    }

    [Theory]
    [InlineData("a===b", new[] { 97, 265, 98 })]
    [InlineData("====", new[] { 265, 61 })]
    [InlineData("==", new[] { 264 })]
    public void Encode_OverlappingAddedTokens_TakesLongestMatch(string text, int[] expected)
    {
        Assert.Equal(expected, Tiny.Encode(text));
    }

    [Theory]
    [InlineData("é", new[] { 0xC3, 0xA9 })]
    [InlineData("世", new[] { 0xE4, 0xB8, 0x96 })]
    [InlineData("😀", new[] { 0xF0, 0x9F, 0x98, 0x80 })]
    [InlineData("\0", new[] { 0x00 })]
    public void Encode_CharacterWithoutMerges_FallsBackToItsUtf8ByteSymbols(string text, int[] expected)
    {
        // In the tiny vocabulary the id of a byte symbol is the byte value.
        Assert.Equal(expected, Tiny.Encode(text));
    }

    [Fact]
    public void FromJson_MergesAsStrings_GivesSameIdsAsArrays()
    {
        BpeTokenizer stringMerges = BpeTokenizer.FromJson(TinyTokenizerJson(mergesAsArrays: false));

        Assert.Equal([258, 262, 259, 260], stringMerges.Encode("low<|endoftext|> lower"));
    }

    [Fact]
    public void Encode_ByteLevelPreTokenizerWithPrefixSpace_PrependsSpace()
    {
        string json = TinyTokenizerJson(
            mergesAsArrays: true,
            preTokenizer: new { type = "ByteLevel", add_prefix_space = true, trim_offsets = true, use_regex = true });

        Assert.Equal([259, 259], BpeTokenizer.FromJson(json).Encode("low low"));
    }

    [Fact]
    public void Decode_TinyTokenizer_ReturnsText()
    {
        Assert.Equal("low<|endoftext|> lower", Tiny.Decode([258, 262, 259, 260]));
    }

    [Fact]
    public void Decode_SkipSpecialTokens_LeavesThemOut()
    {
        Assert.Equal("low lower", Tiny.Decode([258, 262, 259, 260], skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_TruncatedCharacter_EndsWithReplacementCharacter()
    {
        Assert.Equal("a\uFFFD", Tiny.Decode([97, 0xF0, 0x9F]));
    }

    [Fact]
    public void Decode_UnknownId_IsSkipped()
    {
        Assert.Equal("ab", Tiny.Decode([97, 5000, 98]));
    }

    [Fact]
    public void Vocabulary_TinyTokenizer_ReportsIdsAndTokens()
    {
        Assert.Equal(266, Tiny.VocabSize);
        Assert.Equal(259, Tiny.TokenToId("Ġlow"));
        Assert.Equal(262, Tiny.TokenToId("<|endoftext|>"));
        Assert.Null(Tiny.TokenToId("lowest"));
        Assert.Equal("Ġlow", Tiny.IdToToken(259));
        Assert.Equal("Ġ", Tiny.IdToToken(32));
        Assert.Equal("<|endoftext|>", Tiny.IdToToken(262));
        Assert.Null(Tiny.IdToToken(266));
        Assert.Equal([262, 263], Tiny.SpecialTokenIds.Order());
        Assert.Equal(262, Tiny.EndOfTextId);
        Assert.Equal(263, Tiny.FimPrefixId);
        Assert.Null(Tiny.FimMiddleId);
        Assert.Null(Tiny.PadId);
    }

    [Fact]
    public void Load_Fixture_HasDocumentedSpecialTokenIds()
    {
        Assert.Equal(1024, Fixture.VocabSize);
        Assert.Equal(1018, Fixture.EndOfTextId);
        Assert.Equal(1019, Fixture.FimPrefixId);
        Assert.Equal(1020, Fixture.FimMiddleId);
        Assert.Equal(1021, Fixture.FimSuffixId);
        Assert.Equal(1022, Fixture.FileSeparatorId);
        Assert.Equal(1023, Fixture.PadId);
        Assert.Equal([1018, 1019, 1020, 1021, 1022, 1023], Fixture.SpecialTokenIds.Order());
    }

    [Fact]
    public void Encode_FixtureWithFimPrompt_MatchesHuggingFaceIds()
    {
        // Ids from Hugging Face tokenizers 0.23 (node bindings) on the same file.
        Assert.Equal(
            [1019, 381, 306, 40, 120, 384, 258, 374, 32, 1021, 1020],
            Fixture.Encode("<|fim_prefix|>def f(x):\n    return <|fim_suffix|><|fim_middle|>"));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("emoji 😀👩‍💻🇫🇷 done")]
    [InlineData("中文字符，日本語のテキスト、한국어")]
    [InlineData("\tindented\t\twith tabs\n")]
    [InlineData("line one\r\nline two\r\n\r\n")]
    [InlineData("lone\rcarriage\r")]
    [InlineData("nul\0byte\0")]
    [InlineData("e\u0301 combining, cafe\u0301, ñ vs n\u0303")]
    [InlineData("public static int Add(int a, int b) => a + b; // ∑\n    if x != None:\n        return {'k': [1, 2]}\n")]
    [InlineData("   leading and trailing spaces   ")]
    [InlineData("<|endoftext|><|fim_prefix|>x<|fim_suffix|>y<|fim_middle|>")]
    [InlineData("")]
    public void EncodeDecode_Fixture_RoundTripsExactly(string text)
    {
        Assert.Equal(text, Fixture.Decode(Fixture.Encode(text)));
    }

    [Fact]
    public void EncodeDecode_FixtureWithSpecialTokensUnparsed_RoundTripsExactly()
    {
        const string text = "<|endoftext|> is plain text here";

        IReadOnlyList<int> ids = Fixture.Encode(text, parseSpecialTokens: false);

        Assert.DoesNotContain(1018, ids);
        Assert.Equal(text, Fixture.Decode(ids));
    }

    [Fact]
    public void StreamingDecoder_MultiByteCharactersOneTokenAtATime_NeverSplitsACharacter()
    {
        const string text = "héllo wörld 😀 中文 👩‍💻 naïve e\u0301 𝑥² — ok";
        StreamingDecoder decoder = Fixture.CreateStreamingDecoder();
        StringBuilder output = new();

        foreach (int id in Fixture.Encode(text))
        {
            string piece = decoder.Push(id);
            Assert.DoesNotContain('\uFFFD', piece);
            Assert.True(IsWellFormedUtf16(piece), $"'{piece}' contains a lone surrogate");
            output.Append(piece);
        }

        output.Append(decoder.Flush());
        Assert.Equal(text, output.ToString());
    }

    [Fact]
    public void StreamingDecoder_BytesOfOneEmoji_ReturnsItOnlyWhenComplete()
    {
        StreamingDecoder decoder = Tiny.CreateStreamingDecoder();

        Assert.Equal("", decoder.Push(0xF0));
        Assert.Equal("", decoder.Push(0x9F));
        Assert.Equal("", decoder.Push(0x98));
        Assert.Equal("😀", decoder.Push(0x80));
        Assert.Equal("", decoder.Flush());
    }

    [Fact]
    public void StreamingDecoder_FlushWithIncompleteCharacter_ReturnsReplacementCharacter()
    {
        StreamingDecoder decoder = Tiny.CreateStreamingDecoder();

        Assert.Equal("a", decoder.Push(97));
        Assert.Equal("", decoder.Push(0xE4));
        Assert.Equal("", decoder.Push(0xB8));
        Assert.Equal("\uFFFD", decoder.Flush());
    }

    [Fact]
    public void StreamingDecoder_SkipSpecialTokens_LeavesThemOut()
    {
        StreamingDecoder decoder = Tiny.CreateStreamingDecoder(skipSpecialTokens: true);

        Assert.Equal("low", decoder.Push(258));
        Assert.Equal("", decoder.Push(262));
        Assert.Equal(" low", decoder.Push(259));
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "tokenizer.json");

        FileNotFoundException ex = Assert.Throws<FileNotFoundException>(() => BpeTokenizer.Load(path));

        Assert.Equal(path, ex.FileName);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_InvalidJson_ThrowsNamingThePath()
    {
        string path = WriteTempFile("{ \"model\": ");

        InvalidDataException ex = Assert.Throws<InvalidDataException>(() => BpeTokenizer.Load(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WordPieceModel_ThrowsNotSupportedNamingThePathAndType()
    {
        string path = WriteTempFile("""{ "model": { "type": "WordPiece", "vocab": { "a": 0 } } }""");

        NotSupportedException ex = Assert.Throws<NotSupportedException>(() => BpeTokenizer.Load(path));

        Assert.Equal($"Tokenizer '{path}' has model type 'WordPiece'; only byte-level 'BPE' is supported.", ex.Message);
    }

    [Fact]
    public void FromJson_MergeResultNotInVocab_ThrowsInvalidData()
    {
        string json = TinyTokenizerJson(mergesAsArrays: true, extraMerges: [("x", "y")]);

        Assert.Throws<InvalidDataException>(() => BpeTokenizer.FromJson(json));
    }

    private static bool IsWellFormedUtf16(string text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(text[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string WriteTempFile(string content)
    {
        string path = Path.Combine(Path.GetTempPath(), $"tokenizer-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, content);
        return path;
    }

    private static string TinyTokenizerJson(
        bool mergesAsArrays,
        object? preTokenizer = null,
        (string Left, string Right)[]? extraMerges = null)
    {
        Dictionary<string, int> vocab = [];
        for (int b = 0; b < 256; b++)
        {
            vocab[ByteLevelAlphabet.ToChar((byte)b).ToString()] = b;
        }

        foreach ((string left, string right) in TinyMerges)
        {
            vocab[left + right] = vocab.Count;
        }

        (string Left, string Right)[] merges = [.. TinyMerges, .. extraMerges ?? []];
        object tokenizer = new
        {
            version = "1.0",
            added_tokens = new object[]
            {
                new { id = 262, content = "<|endoftext|>", special = true },
                new { id = 263, content = "<|fim_prefix|>", special = true },
                new { id = 264, content = "==", special = false },
                new { id = 265, content = "===", special = false },
            },
            normalizer = (object?)null,
            pre_tokenizer = preTokenizer ?? new
            {
                type = "Sequence",
                pretokenizers = new object[]
                {
                    new { type = "Split", pattern = new { Regex = PreTokenizerPatterns.Qwen2 }, behavior = "Isolated", invert = false },
                    new { type = "ByteLevel", add_prefix_space = false, trim_offsets = false, use_regex = false },
                },
            },
            decoder = new { type = "ByteLevel" },
            model = new
            {
                type = "BPE",
                vocab,
                merges = mergesAsArrays
                    ? merges.Select(m => (object)new[] { m.Left, m.Right }).ToArray()
                    : merges.Select(m => (object)$"{m.Left} {m.Right}").ToArray(),
            },
        };
        return JsonSerializer.Serialize(tokenizer);
    }
}
