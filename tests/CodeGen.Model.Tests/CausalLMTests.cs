using CodeGen.Model;
using CodeGen.Model.Caching;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests;

public sealed class CausalLMTests
{
    private static readonly int[] Prompt = [5, 17, 42, 8, 91, 3, 60, 33, 12, 77, 1, 0, 64];

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void CachedDecode_TokenByToken_MatchesFullForward(bool tied, bool interleavedBlocks)
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config(tied));
        using var _ = no_grad();
        using Tensor full = model.Forward(tensor(Prompt.Select(t => (long)t).ToArray(), [1, Prompt.Length], int64)); // (1, T, V)
        using var cache = new CachedSequences(model, sequences: 2, capacity: 32, blockSize: 4, interleavedBlocks);
        // Prefill the first 5 tokens (two blocks and a bit), then decode the rest one at a time.
        using Tensor prefill = cache.Run(0, Prompt[..5], logitRows: 5);
        AssertClose(full[0].narrow(0, 0, 5), prefill, 1e-5);
        for (int i = 5; i < Prompt.Length; i++)
        {
            using Tensor step = cache.Run(0, [Prompt[i]]);
            AssertClose(full[0, i], step[0], 1e-5);
        }
        Assert.Equal(Prompt.Length, cache.Length(0));
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(true, true)]
    [InlineData(false, false)]
    [InlineData(true, false)]
    public void BatchedForward_SequencesOfDifferentLengths_MatchEachSequenceAlone(bool interleavedBlocks, bool gatherDecodes)
    {
        // The decode step attends by one gather (small KV) or by one attention per sequence over pool views.
        long limit = PackedSteps.GatherLimitElements;
        PackedSteps.GatherLimitElements = gatherDecodes ? 1L << 20 : 0;
        try
        {
            BatchedMatchesAlone(interleavedBlocks);
        }
        finally
        {
            PackedSteps.GatherLimitElements = limit;
        }
    }

    private static void BatchedMatchesAlone(bool interleavedBlocks)
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using var _ = no_grad();
        int[][] prompts = [Prompt, Prompt[..3], [9], Prompt[4..11]];
        int[] followUps = [7, 50, 21, 96];

        var expectedPrefill = new Tensor[prompts.Length];
        var expectedDecode = new Tensor[prompts.Length];
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = new CachedSequences(model, 1, 32);
            expectedPrefill[i] = alone.Run(0, prompts[i]);
            expectedDecode[i] = alone.Run(0, [followUps[i]]);
        }

        using var cache = new CachedSequences(model, prompts.Length, 32, blockSize: 4, interleavedBlocks);
        using Tensor prefill = cache.Run(prompts.Select((p, i) => (i, (IReadOnlyList<int>)p, 1)).ToArray());
        using Tensor decode = cache.Run(followUps.Select((t, i) => (i, (IReadOnlyList<int>)[t], 1)).ToArray());
        for (int i = 0; i < prompts.Length; i++)
        {
            AssertClose(expectedPrefill[i][0], prefill[i], 1e-5);
            AssertClose(expectedDecode[i][0], decode[i], 1e-5);
            Assert.Equal(prompts[i].Length + 1, cache.Length(i));
        }
    }

    [Fact]
    public void Forward_SharedPrefixBlocks_ReadThroughBothTablesEqualsAlone()
    {
        // Two sequences share the blocks of an 8-token prefix (positions 0-7) and continue in blocks of their own
        // that are not next to it: attention reads two runs of the pool and must equal a plain forward.
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using var _ = no_grad();
        using PagedKvCache cache = model.CreateCache(16, 4);
        using (model.Forward([new SequenceStep(Prompt[..8], 0, [3, 4], LogitRows: 0)], cache)) { }
        int[] tailA = [11, 12, 13], tailB = [40, 41, 42, 43, 44];
        using Tensor both = model.Forward([new SequenceStep(tailA, 8, [3, 4, 9], 3), new SequenceStep(tailB, 8, [3, 4, 12, 6], 5)], cache);
        using Tensor fullA = model.Forward(tensor(Prompt[..8].Concat(tailA).Select(t => (long)t).ToArray(), [1, 11], int64));
        using Tensor fullB = model.Forward(tensor(Prompt[..8].Concat(tailB).Select(t => (long)t).ToArray(), [1, 13], int64));
        AssertClose(fullA[0].narrow(0, 8, 3), both.narrow(0, 0, 3), 1e-5);
        AssertClose(fullB[0].narrow(0, 8, 5), both.narrow(0, 3, 5), 1e-5);
    }

    [Fact]
    public void BFloat16_SameWeights_StaysWithinToleranceOfFloat32()
    {
        ModelConfig config = TinyModels.Qwen2Config();
        using var f32 = TinyModels.Random(config, seed: 3);
        using var bf16 = TinyModels.Random(config, seed: 3, dtype: bfloat16);
        using var _ = no_grad();
        using Tensor ids = tensor(Prompt.Select(t => (long)t).ToArray(), [1, Prompt.Length], int64);
        using Tensor a = f32.Forward(ids);
        using Tensor b = bf16.Forward(ids);
        Assert.Equal(ScalarType.Float32, b.dtype);
        // Stated tolerance: bf16 keeps 8 mantissa bits; over 2 layers the logits stay within 5% of their range.
        double range = a.max().item<float>() - a.min().item<float>();
        double worst = (a - b).abs().max().item<float>();
        Assert.True(worst < 0.05 * range, $"bf16 deviates by {worst}, range {range}");
        Assert.True(worst > 0, "bf16 should not be bit-identical to float32");
        // Greedy choices agree at almost every position.
        long agree = a.argmax(-1).eq(b.argmax(-1)).sum().item<long>();
        Assert.True(agree >= Prompt.Length - 1, $"argmax agreed at {agree}/{Prompt.Length} positions");
    }

    [Fact]
    public void Forward_TokenOutsideVocabulary_ThrowsNamingTheId()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using PagedKvCache cache = model.CreateCache(2, 4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceStep([3, 97], 0, [0])], cache));
        Assert.Contains("Token id 97", e.Message);
    }

    [Fact]
    public void Forward_PastItsBlocks_ThrowsWithTheNumbers()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using PagedKvCache cache = model.CreateCache(2, 4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceStep([1, 2, 3, 4, 5], 0, [1])], cache));
        Assert.Equal("Sequence 0 would hold 5 positions but its 1 blocks hold 4", e.Message);
    }

    [Fact]
    public void Forward_BlockOutsideThePool_ThrowsNamingIt()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using PagedKvCache cache = model.CreateCache(2, 4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceStep([1, 2], 0, [2])], cache));
        Assert.Equal("Block 2 is outside the KV pool [0, 2)", e.Message);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        double worst = (expected - actual).abs().max().item<float>();
        Assert.True(worst <= tolerance, $"max |difference| {worst} exceeds {tolerance}");
    }
}
