using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Layers;

public sealed class FusedProjectionTests
{
    private static FusedProjection Build(bool bias, ScalarType? dtype = null) =>
        new([("a", 6), ("b", 2), ("c", 2)], 4, bias, new RandomWeightSource(21, dtype ?? float32, CPU, std: 0.5));

    [Theory]
    [InlineData(ScalarType.Float32)] // column-major storage
    [InlineData(ScalarType.BFloat16)] // row-major storage
    public void Forward_EqualsEachPartSideBySide(ScalarType dtype)
    {
        using FusedProjection fused = Build(bias: true, dtype);
        Assert.Equal(dtype == ScalarType.Float32, WeightLayout.IsColumnMajor(fused.Parts[0].Weight));
        using Tensor x = randn(2, 3, 4, generator: new Generator(1)).to(dtype);
        using var noGrad = no_grad();
        Assert.True(fused.CanFuse);
        using Tensor actual = fused.Forward(x);
        using Tensor expected = cat(fused.Parts.Select(p => nn.functional.linear(x, p.Weight.contiguous(), p.Bias)).ToArray(), -1);
        Assert.Equal([2L, 3L, 10L], actual.shape);
        Assert.True(actual.to(float32).allclose(expected.to(float32), rtol: 1e-2, atol: 1e-2));
        if (dtype == ScalarType.Float32) Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Parts_AreViewsOfTheFusedStorage_InPlaceUpdatesShow()
    {
        using FusedProjection fused = Build(bias: false);
        using Tensor x = ones(1, 4);
        using var noGrad = no_grad();
        fused.Parts[1].Weight.fill_(0.25f); // as an optimiser step or a LoRA merge would write it
        using Tensor y = fused.Forward(x);
        Assert.Equal(1.0f, y[0, 6].item<float>(), 1e-6f); // 4 inputs · 0.25
        Assert.Equal(1.0f, y[0, 7].item<float>(), 1e-6f);
        Assert.NotEqual(1.0f, y[0, 0].item<float>());
    }

    [Fact]
    public void CanFuse_FalseWhenTrainingOrWithLora()
    {
        using FusedProjection fused = Build(bias: true);
        Assert.True(fused.CanFuse); // gradients enabled, but nothing requires them
        fused.Parts[0].Weight.requires_grad = true;
        Assert.False(fused.CanFuse);
        using (no_grad()) Assert.True(fused.CanFuse);
        fused.Parts[0].Weight.requires_grad = false;
        fused.Parts[2].AttachLora(zeros(2, 4), zeros(2, 2), alpha: 2, trainable: false);
        Assert.False(fused.CanFuse);
    }

    [Fact]
    public void Training_GradientsReachEveryPart()
    {
        ModelConfig config = TinyModels.Qwen2Config(tied: true);
        using var model = new CausalLM(config, new RandomWeightSource(4, float32, CPU), float32, CPU);
        model.SetRequiresGrad(true);
        using Tensor ids = tensor(new long[] { 1, 5, 9, 2 }, [1, 4], int64);
        using Tensor logits = model.Forward(ids);
        using Tensor loss = logits.square().mean();
        loss.backward();
        Attention attention = model.Body.Layers[0].SelfAttention;
        Mlp mlp = model.Body.Layers[0].Mlp;
        foreach (Linear linear in new[] { attention.QProj, attention.KProj, attention.VProj, mlp.GateProj, mlp.UpProj })
        {
            Tensor? grad = linear.Weight.grad;
            Assert.NotNull(grad);
            Assert.Equal(linear.Weight.shape, grad.shape);
            Assert.True(grad.abs().sum().item<float>() > 0, linear.GetName());
        }
    }
}
