using CodeGen.Training.Distributed;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Distributed;

public sealed class GradientBufferTests
{
    /// <summary>A one-worker job that records its collectives and multiplies averaged buffers by a factor.</summary>
    private sealed class RecordingJob(float factor = 1) : IDataParallel
    {
        public List<int> AverageLengths { get; } = [];

        public int Comparisons { get; private set; }

        public int Rank => 0;

        public int Size => 1;

        public void AverageInPlace(float[] buffer)
        {
            AverageLengths.Add(buffer.Length);
            for (int i = 0; i < buffer.Length; i++) buffer[i] *= factor;
        }

        public bool AllEqual(ulong value)
        {
            Comparisons++;
            return true;
        }

        public void Barrier() { }

        public void Dispose() { }
    }

    [Fact]
    public void Average_TwoParameters_OneCollectiveOverAllGradientsAndExtras_WrittenBack()
    {
        using var scope = NewDisposeScope();
        var a = new Parameter(tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2));
        var b = new Parameter(tensor(new float[] { 5, 6, 7 }));
        (a * a).sum().add((b * 3).sum()).backward(); // grad a = 2a, grad b = 3
        var buffer = new GradientBuffer([a, b], extra: 2);
        var job = new RecordingJob(factor: 0.5f);

        buffer.Gather();
        Assert.Equal([2f, 4, 6, 8, 3, 3, 3, 0, 0], buffer.Values);
        buffer.Extra[0] = 10;
        job.AverageInPlace(buffer.Values);
        buffer.Scatter();

        Assert.Equal([9], job.AverageLengths);
        Assert.Equal(7, buffer.GradientCount);
        Assert.Equal([1f, 2, 3, 4], a.grad!.data<float>().ToArray());
        Assert.Equal([1.5f, 1.5f, 1.5f], b.grad!.data<float>().ToArray());
        Assert.Equal(5f, buffer.Extra[0]);
    }

    [Fact]
    public void Gather_ParameterWithoutGradient_Zeros()
    {
        using var scope = NewDisposeScope();
        var a = new Parameter(ones(3));
        var buffer = new GradientBuffer([a]);
        buffer.Values.AsSpan().Fill(9);

        buffer.Gather();

        Assert.Equal([0f, 0, 0], buffer.Values);
    }

    [Fact]
    public void Train_TwelveSteps_OneAverageInPlacePerStepOverEveryGradientAndTheLoss()
    {
        var job = new RecordingJob();

        IReadOnlyList<double> losses = MpiCheck.Train(job, new MpiCheckOptions { Steps = 12, CompareEvery = 5 }, TextWriter.Null);

        // 16·64 + 64 + 64·4 + 4 gradient values, then the loss.
        Assert.Equal(Enumerable.Repeat(16 * 64 + 64 + 64 * 4 + 4 + 1, 12), job.AverageLengths);
        Assert.Equal(4, job.Comparisons); // before step 1, after steps 5, 10 and 12
        Assert.Equal(12, losses.Count);
        Assert.True(losses[^1] < losses[0] - 0.3, $"the loss should fall: {losses[0]} -> {losses[^1]}");
    }

    [Fact]
    public void Train_GlobalBatchNotDivisibleByRanks_NamesTheOption()
    {
        var error = Assert.Throws<ArgumentException>(() => MpiCheck.Train(new TwoRankStub(), new MpiCheckOptions { GlobalBatch = 7 }, TextWriter.Null));

        Assert.Equal("--global-batch 7 does not split into 2 equal slices: use a multiple of the number of ranks", error.Message);
    }

    private sealed class TwoRankStub : IDataParallel
    {
        public int Rank => 0;

        public int Size => 2;

        public void AverageInPlace(float[] buffer) => throw new InvalidOperationException("not expected");

        public bool AllEqual(ulong value) => throw new InvalidOperationException("not expected");

        public void Barrier() { }

        public void Dispose() { }
    }
}
