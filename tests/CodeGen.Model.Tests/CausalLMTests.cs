using CodeGen.Model;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests;

public sealed class CausalLMTests
{
    private static readonly int[] Prompt = [5, 17, 42, 8, 91, 3, 60, 33, 12, 77, 1, 0, 64];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void CachedDecode_TokenByToken_MatchesFullForward(bool tied)
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config(tied));
        using var _ = no_grad();
        using Tensor full = model.Forward(tensor(Prompt.Select(t => (long)t).ToArray(), [1, Prompt.Length], int64)); // (1, T, V)
        using var cache = model.CreateCache(1, 32);
        int slot = cache.Allocate();
        // Prefill the first 5 tokens, then decode the rest one at a time.
        using Tensor prefill = model.Forward([new SequenceInput(slot, Prompt[..5])], cache, allPositions: true);
        AssertClose(full[0].narrow(0, 0, 5), prefill[0], 1e-5);
        for (int i = 5; i < Prompt.Length; i++)
        {
            using Tensor step = model.Forward([new SequenceInput(slot, [Prompt[i]])], cache);
            AssertClose(full[0, i], step[0], 1e-5);
        }
        Assert.Equal(Prompt.Length, cache.Length(slot));
    }

    [Fact]
    public void BatchedForward_SequencesOfDifferentLengths_MatchEachSequenceAlone()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using var _ = no_grad();
        int[][] prompts = [Prompt, Prompt[..3], [9], Prompt[4..11]];
        int[] followUps = [7, 50, 21, 96];

        var expectedPrefill = new Tensor[prompts.Length];
        var expectedDecode = new Tensor[prompts.Length];
        for (int i = 0; i < prompts.Length; i++)
        {
            using var alone = model.CreateCache(1, 32);
            int s = alone.Allocate();
            expectedPrefill[i] = model.Forward([new SequenceInput(s, prompts[i])], alone);
            expectedDecode[i] = model.Forward([new SequenceInput(s, [followUps[i]])], alone);
        }

        using var cache = model.CreateCache(6, 32);
        cache.Allocate(); // slot 0 stays unused so batch rows and slots differ
        int[] slots = prompts.Select(_ => cache.Allocate()).ToArray();
        using Tensor prefill = model.Forward(prompts.Select((p, i) => new SequenceInput(slots[i], p)).ToList(), cache);
        using Tensor decode = model.Forward(followUps.Select((t, i) => new SequenceInput(slots[i], [t])).ToList(), cache);
        for (int i = 0; i < prompts.Length; i++)
        {
            AssertClose(expectedPrefill[i][0], prefill[i], 1e-5);
            AssertClose(expectedDecode[i][0], decode[i], 1e-5);
            Assert.Equal(prompts[i].Length + 1, cache.Length(slots[i]));
        }
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
        using var cache = model.CreateCache(1, 8);
        int slot = cache.Allocate();
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceInput(slot, [3, 97])], cache));
        Assert.Contains("Token id 97", e.Message);
        Assert.Equal(0, cache.Length(slot));
    }

    [Fact]
    public void Forward_PastCacheCapacity_ThrowsWithTheNumbers()
    {
        using var model = TinyModels.Random(TinyModels.Qwen2Config());
        using var cache = model.CreateCache(1, 4);
        int slot = cache.Allocate();
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceInput(slot, [1, 2, 3, 4, 5])], cache));
        Assert.Contains("would hold 5 positions; the cache holds 4", e.Message);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, double tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        double worst = (expected - actual).abs().max().item<float>();
        Assert.True(worst <= tolerance, $"max |difference| {worst} exceeds {tolerance}");
    }
}
