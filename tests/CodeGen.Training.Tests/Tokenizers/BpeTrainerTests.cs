using System.Text;
using CodeGen.Model.Tokenization;
using CodeGen.Training.Tokenizers;

namespace CodeGen.Training.Tests.Tokenizers;

public sealed class BpeTrainerTests
{
    // Words: "ab" x1, " ab" x3, " abc" x2. Pair counts: (a,b) 6, (' ',a) 5, (b,c) 2; after each
    // merge the next best is unique: ab, then " ab", then " abc"; nothing else occurs twice.
    private const string PlantedText = "ab ab ab ab abc abc";

    [Fact]
    public void Train_PlantedText_LearnsExpectedMergesInOrder()
    {
        TrainedBpe bpe = Train([PlantedText]);

        Assert.Equal([(97, 98), (32, 256), (257, 99)], bpe.Merges);
        Assert.Equal("ab"u8.ToArray(), bpe.Tokens[256]);
        Assert.Equal(" ab"u8.ToArray(), bpe.Tokens[257]);
        Assert.Equal(" abc"u8.ToArray(), bpe.Tokens[258]);
        Assert.Equal(259, bpe.Tokens.Count);
    }

    [Fact]
    public void Train_PlantedText_SpecialTokensFollowLearnedTokens()
    {
        TrainedBpe bpe = Train([PlantedText]);

        Assert.Equal(BpeTrainerOptions.DefaultSpecialTokens, bpe.SpecialTokens);
        Assert.Equal([259, 260, 261, 262, 263, 264], Enumerable.Range(0, 6).Select(bpe.SpecialTokenId));
        Assert.Equal(265, bpe.VocabSize);
    }

    [Fact]
    public void Train_RepeatedSymbol_MergesOverlappingPairsLeftToRight()
    {
        // "aaaa" has three (a,a) pairs; merging left to right gives [aa, aa], then one (aa,aa).
        TrainedBpe bpe = Train(["aaaa aaaa aaaa"], vocabSize: 300);

        Assert.Equal([(97, 97), (256, 256), (32, 257)], bpe.Merges);
    }

    [Fact]
    public void Train_VocabSizeReached_StopsMerging()
    {
        TrainedBpe bpe = Train([PlantedText], vocabSize: 256 + 6 + 2);

        Assert.Equal([(97, 98), (32, 256)], bpe.Merges);
        Assert.Equal(264, bpe.VocabSize);
    }

    [Fact]
    public void Constructor_VocabSizeBelowBytesAndSpecials_Throws()
    {
        ArgumentException ex = Assert.Throws<ArgumentException>(() => new BpeTrainer(new BpeTrainerOptions { VocabSize = 261 }));

        Assert.StartsWith("Vocabulary size 261 is too small", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Train_RandomText_MatchesTrainerThatRecountsEveryPair(int seed)
    {
        Random random = new(seed);
        const string alphabet = "aab bc\n\tdé";
        string[] texts = [.. Enumerable.Range(0, 20).Select(_ =>
            new string([.. Enumerable.Range(0, 200).Select(_ => alphabet[random.Next(alphabet.Length)])]))];
        Dictionary<string, long> counts = WordCounter.Count(texts);

        TrainedBpe bpe = new BpeTrainer(new BpeTrainerOptions { VocabSize = 256 + 6 + 80 }).Train(counts);

        Assert.Equal(80, bpe.Merges.Count);
        Assert.Equal(RecountingTrainer(counts, maxMerges: 80, minFrequency: 2), bpe.Merges);
    }

    [Fact]
    public void Write_TrainedOnPlantedText_LoadsAndEncodesWithLearnedIds()
    {
        BpeTokenizer tokenizer = BpeTokenizer.FromJson(Encoding.UTF8.GetString(TokenizerJsonWriter.Write(Train([PlantedText]))));

        Assert.Equal([256, 257, 258, 259, 32, 99], tokenizer.Encode("ab ab abc<|endoftext|> c"));
        Assert.Equal(265, tokenizer.VocabSize);
        Assert.Equal(259, tokenizer.EndOfTextId);
        Assert.Equal(260, tokenizer.FimPrefixId);
        Assert.Equal(261, tokenizer.FimMiddleId);
        Assert.Equal(262, tokenizer.FimSuffixId);
        Assert.Equal(263, tokenizer.FileSeparatorId);
        Assert.Equal(264, tokenizer.PadId);
        Assert.Equal("Ġab", tokenizer.IdToToken(257));
    }

    [Theory]
    [InlineData("def add(a, b):\r\n\treturn a + b  # 😀 中文\n")]
    [InlineData("public int X => 42; // e\u0301\0\r")]
    public void Write_TrainedOnCode_RoundTripsThroughBpeTokenizer(string text)
    {
        string[] corpus = ["def f(x):\n    return x\n", "public int F(int x) => x;\r\n", "x = f(1) + f(2)\n"];
        BpeTokenizer tokenizer = BpeTokenizer.FromJson(Encoding.UTF8.GetString(TokenizerJsonWriter.Write(Train(corpus))));

        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
    }

    [Fact]
    public void Write_SameInputInAnyOrder_GivesByteIdenticalFiles()
    {
        string[] texts = ["def f(x):\n    return x\n", "public int F(int x) => x;\r\n", "x = f(1) + f(2)\n", PlantedText];

        byte[] first = TokenizerJsonWriter.Write(Train(texts));
        byte[] second = TokenizerJsonWriter.Write(Train(texts));
        byte[] reversed = TokenizerJsonWriter.Write(Train([.. texts.Reverse()]));

        Assert.Equal(first, second);
        Assert.Equal(first, reversed);
    }

    private static TrainedBpe Train(string[] texts, int vocabSize = 1000) =>
        new BpeTrainer(new BpeTrainerOptions { VocabSize = vocabSize }).Train(WordCounter.Count(texts));

    // Reference trainer: recounts every pair before each merge. Slow, obviously right.
    private static List<(int Left, int Right)> RecountingTrainer(Dictionary<string, long> counts, int maxMerges, long minFrequency)
    {
        List<(List<int> Symbols, long Count)> words = [.. counts.Select(p => (Encoding.UTF8.GetBytes(p.Key).Select(b => (int)b).ToList(), p.Value))];
        List<(int Left, int Right)> merges = [];
        while (merges.Count < maxMerges)
        {
            Dictionary<(int, int), long> pairs = [];
            foreach ((List<int> symbols, long count) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    pairs[(symbols[i], symbols[i + 1])] = pairs.GetValueOrDefault((symbols[i], symbols[i + 1])) + count;
                }
            }

            if (pairs.Count == 0)
            {
                break;
            }

            KeyValuePair<(int Left, int Right), long> best = pairs
                .OrderByDescending(p => p.Value).ThenBy(p => p.Key.Item1).ThenBy(p => p.Key.Item2).First();
            if (best.Value < minFrequency)
            {
                break;
            }

            int newId = 256 + merges.Count;
            merges.Add(best.Key);
            foreach ((List<int> symbols, _) in words)
            {
                for (int i = 0; i + 1 < symbols.Count; i++)
                {
                    if (symbols[i] == best.Key.Left && symbols[i + 1] == best.Key.Right)
                    {
                        symbols[i] = newId;
                        symbols.RemoveAt(i + 1);
                    }
                }
            }
        }

        return merges;
    }
}
