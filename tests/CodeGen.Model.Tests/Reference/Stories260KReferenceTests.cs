using CodeGen.Model;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Reference;

/// <summary>The engine against llama2.c's run.c on a real pretrained model (values from the fixture's README, tests/CodeGen.TestUtils/Fixtures/stories260K/README.md).</summary>
public sealed class Stories260KReferenceTests
{
    private static readonly int[] ReferenceIds =
        [461, 461, 401, 401, 401, 461, 378, 455, 473, 456, 435, 299, 362, 409, 283, 264, 283, 452, 288, 13];

    private static readonly float[] ReferenceLogits =
        [1.973871f, 2.654902f, 1.974989f, 1.974209f, 1.974348f, 1.974841f, 1.974447f, 1.975671f];

    [Fact]
    public void GreedyDecode_FromBos_MatchesLlama2cTokenIds()
    {
        using var model = CausalLM.Load(Fixtures.Stories260K, float32, CPU);
        using var cache = new CachedSequences(model, 1, 64, blockSize: 16);
        using var _ = no_grad();
        var generated = new List<int>();
        int next = 1;
        for (int step = 0; step < ReferenceIds.Length; step++)
        {
            using Tensor logits = cache.Run(0, [next]);
            next = (int)logits[0].argmax().item<long>();
            generated.Add(next);
        }
        Assert.Equal(ReferenceIds, generated);
    }

    [Fact]
    public void Forward_FirstPosition_MatchesLlama2cLogits()
    {
        using var model = CausalLM.Load(Fixtures.Stories260K, float32, CPU);
        using var _ = no_grad();
        using Tensor logits = model.Forward(tensor(new long[] { 1 }, [1, 1], int64));
        float[] first = logits[0, 0].narrow(0, 0, ReferenceLogits.Length).data<float>().ToArray();
        for (int i = 0; i < ReferenceLogits.Length; i++) Assert.Equal(ReferenceLogits[i], first[i], 1e-4f);
    }
}
