using CodeGen.Training.Pretraining;
using Parameter = TorchSharp.Modules.Parameter;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Pretraining;

public sealed class AdamWTests
{
    [Fact]
    public void Step_TwoUpdates_MatchHandComputedAdamWWithDecoupledDecay()
    {
        // One 2-D weight w = [[1, -2]] with constant gradient g = [[0.5, 0.5]]; lr 0.1, betas (0.9, 0.95), eps 1e-8, decay 0.1.
        var weight = new Parameter(tensor(new float[] { 1f, -2f }).view(1, 2));
        using var optimizer = new AdamW([("w", weight)], 0.9, 0.95, 1e-8, weightDecay: 0.1);
        double[] w = [1, -2];
        double m = 0, v = 0;
        for (int t = 1; t <= 2; t++)
        {
            weight.grad = full(new long[] { 1, 2 }, 0.5f);
            optimizer.Step(0.1);
            m = 0.9 * m + 0.1 * 0.5;
            v = 0.95 * v + 0.05 * 0.25;
            double update = m / (1 - Math.Pow(0.9, t)) / (Math.Sqrt(v / (1 - Math.Pow(0.95, t))) + 1e-8);
            for (int i = 0; i < 2; i++) w[i] = w[i] * (1 - 0.1 * 0.1) - 0.1 * update;
        }
        float[] actual = weight.detach().flatten().data<float>().ToArray();
        Assert.Equal(w[0], actual[0], 5);
        Assert.Equal(w[1], actual[1], 5);
        Assert.Equal(2, optimizer.Steps);
    }

    [Fact]
    public void Step_Vector_IsNotDecayed()
    {
        var gain = new Parameter(tensor(new float[] { 2f }));
        using var optimizer = new AdamW([("g", gain)], weightDecay: 0.5);
        gain.grad = zeros(1);
        optimizer.Step(0.1);
        Assert.Equal(2f, gain.detach().item<float>()); // zero gradient, no decay on norms and biases
    }
}
