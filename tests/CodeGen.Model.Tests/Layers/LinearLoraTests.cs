using CodeGen.Model.Layers;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Layers;

/// <summary>The LoRA update of <see cref="Linear"/> as fine-tuning uses it: dropout, factor dtypes, scale.</summary>
public sealed class LinearLoraTests
{
    private static Linear Build(ScalarType dtype) => new("p", 6, 5, bias: true, new RandomWeightSource(3, dtype, CPU, std: 0.5));

    private static (Tensor A, Tensor B) Factors(int rank = 2) =>
        (randn(rank, 6, generator: new Generator(4)), randn(5, rank, generator: new Generator(5)));

    [Fact]
    public void Forward_Float32FactorsOverBfloat16Weights_AddsTheScaledUpdateInBfloat16()
    {
        using Linear linear = Build(bfloat16);
        (Tensor a, Tensor b) = Factors();
        using Tensor x = randn(3, 6, generator: new Generator(6)).to(bfloat16);
        using Tensor aCopy = a.clone(), bCopy = b.clone();
        linear.AttachLora(a, b, alpha: 4, trainable: false);
        using var noGrad = no_grad();
        using Tensor actual = linear.Forward(x);
        Assert.Equal(bfloat16, actual.dtype);
        using Tensor update = x.to(float32).matmul(aCopy.t()).matmul(bCopy.t()).mul(2.0); // alpha / r = 4 / 2
        using Tensor expected = nn.functional.linear(x, linear.Weight, linear.Bias).add(update.to(bfloat16));
        Assert.True(actual.to(float32).allclose(expected.to(float32), rtol: 1e-2, atol: 5e-2), $"differs by {(actual.to(float32) - expected.to(float32)).abs().max().item<float>()}");
    }

    [Fact]
    public void Forward_DropoutInEvalMode_NeverApplied()
    {
        using Linear plain = Build(float32), dropped = Build(float32);
        (Tensor a, Tensor b) = Factors();
        plain.AttachLora(a.clone(), b.clone(), alpha: 2, trainable: false);
        dropped.AttachLora(a, b, alpha: 2, trainable: false, dropout: 0.5, dropoutRandom: new Generator(7));
        dropped.eval();
        using var noGrad = no_grad();
        using Tensor x = randn(4, 6, generator: new Generator(8));
        using Tensor expected = plain.Forward(x), actual = dropped.Forward(x);
        Assert.True(actual.allclose(expected, rtol: 0, atol: 0));
    }

    [Fact]
    public void Forward_DropoutInTrainingMode_MasksFromTheGivenGeneratorOnly()
    {
        using Linear linear = Build(float32);
        (Tensor a, Tensor b) = Factors();
        using var random = new Generator(9);
        linear.AttachLora(a, b, alpha: 2, trainable: false, dropout: 0.5, dropoutRandom: random);
        linear.train();
        using var noGrad = no_grad();
        using Tensor x = randn(64, 6, generator: new Generator(10));
        using Tensor unmasked = nn.functional.linear(x, linear.Weight, linear.Bias);
        random.manual_seed(11);
        using Tensor first = linear.Forward(x);
        random.manual_seed(11);
        manual_seed(12345); // the default generator moving must not change the masks
        using Tensor again = linear.Forward(x);
        using Tensor other = linear.Forward(x);
        Assert.True(first.allclose(again, rtol: 0, atol: 0));
        Assert.False(first.allclose(other, rtol: 0, atol: 0));
        Assert.False(first.allclose(unmasked));
    }

    [Fact]
    public void AttachLora_DropoutOutOfRange_Refused()
    {
        using Linear linear = Build(float32);
        (Tensor a, Tensor b) = Factors();
        Assert.Throws<ArgumentOutOfRangeException>(() => linear.AttachLora(a, b, alpha: 2, trainable: true, dropout: 1.0));
    }
}
