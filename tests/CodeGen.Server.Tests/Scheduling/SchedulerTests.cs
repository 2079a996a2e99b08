using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Server.Engine;
using CodeGen.Server.Scheduling;

namespace CodeGen.Server.Tests.Scheduling;

public sealed class SchedulerTests
{
    private sealed class Run(FakeBackend backend, EngineOptions options)
    {
        private long _next;

        public EngineMetrics Metrics { get; } = new();

        public Scheduler Scheduler => _scheduler ??= new Scheduler(backend, options, Metrics);

        private Scheduler? _scheduler;

        public int Admitted { get; private set; }

        public (SequenceState State, Channel<TokenEvent> Output) Add(IReadOnlyList<int> prompt, int maxTokens, CancellationToken cancellation = default, TimeSpan? timeout = null)
        {
            var channel = Channel.CreateUnbounded<TokenEvent>();
            var job = new GenerationJob("t", prompt, maxTokens, SamplingOptions.Greedy, [], [], null);
            Admitted++;
            var state = new SequenceState(++_next, job, channel, null, cancellation, DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(5)), () => Admitted--);
            Scheduler.Enqueue(state);
            return (state, channel);
        }

        public ScheduledBatch Step()
        {
            ScheduledBatch batch = Scheduler.Schedule();
            if (batch.Sequences.Count > 0) Scheduler.Update(batch, new ModelRunner(backend).Execute(batch));
            return batch;
        }

        public void RunToIdle(int limit = 1000)
        {
            for (int i = 0; i < limit && !Scheduler.IsIdle; i++) Step();
            Assert.True(Scheduler.IsIdle, "the scheduler did not finish its sequences");
        }
    }

    private static void AssertOutput(IEnumerable<int> tokens, string finish, Channel<TokenEvent> output)
    {
        (List<int> actual, string? actualFinish) = Read(output);
        Assert.Equal(tokens, actual);
        Assert.Equal(finish, actualFinish);
    }

    private static (List<int> Tokens, string? Finish) Read(Channel<TokenEvent> output)
    {
        var tokens = new List<int>();
        string? finish = null;
        while (output.Reader.TryRead(out TokenEvent? e))
        {
            if (e.TokenId >= 0) tokens.Add(e.TokenId);
            finish = e.FinishReason ?? finish;
        }
        return (tokens, finish);
    }

    [Fact]
    public void Schedule_LongPrompt_PrefillsInChunksThenDecodesOneTokenPerStep()
    {
        var backend = new FakeBackend(blocks: 16, blockSize: 4);
        var run = new Run(backend, new EngineOptions { PrefillChunk = 4, MaxStepTokens = 8 });
        (_, var output) = run.Add(Enumerable.Range(10, 10).ToArray(), maxTokens: 3);
        run.RunToIdle();
        Assert.Equal([4, 4, 2, 1, 1], backend.Steps.Select(s => Assert.Single(s).Tokens));
        AssertOutput([20, 21, 22], "length", output);
        Assert.Equal(0, run.Admitted);
        Assert.Equal(0, backend.UsedBlocks);
    }

    [Fact]
    public void Schedule_TokenBudget_DecodesFirstThenPrefillChunksFillTheRest()
    {
        var backend = new FakeBackend(16, 4);
        var run = new Run(backend, new EngineOptions { MaxBatch = 4, PrefillChunk = 6, MaxStepTokens = 8 });
        run.Add([1, 2], 5);
        run.Step(); // the short one prefills
        run.Add(Enumerable.Range(30, 20).ToArray(), 1);
        ScheduledBatch batch = run.Step();
        Assert.Equal([1, 6], batch.Sequences.Select(s => s.Count)); // decode 1, then a chunk of 6 (budget 8 allows 7)
        run.Add(Enumerable.Range(60, 20).ToArray(), 1);
        batch = run.Step();
        Assert.Equal([1, 6, 1], batch.Sequences.Select(s => s.Count)); // the third gets what is left of the budget
        run.RunToIdle();
    }

    [Fact]
    public void Admit_PoolCannotHoldTheWholePrompt_RequestWaitsUntilBlocksFree()
    {
        var backend = new FakeBackend(blocks: 4, blockSize: 4);
        var run = new Run(backend, new EngineOptions { MaxBatch = 4, MaxStepTokens = 64, PrefillChunk = 64 });
        (_, var first) = run.Add(Enumerable.Range(0, 10).ToArray(), 2); // 3 blocks
        (_, var second) = run.Add(Enumerable.Range(50, 8).ToArray(), 2); // 2 blocks: only 1 left
        ScheduledBatch batch = run.Step();
        Assert.Single(batch.Sequences);
        Assert.Equal(1, run.Scheduler.Waiting);
        run.RunToIdle();
        AssertOutput([10, 11], "length", first);
        AssertOutput([58, 59], "length", second);
    }

    [Fact]
    public void Preempt_PrefillNeedsABlockWhileALaterDecodeIsPlanned_PreemptsThePrefillNotThePlannedDecode()
    {
        // 8 blocks of 4. A (28-token prompt, 7 blocks) prefills 4 per step; B (2 tokens) joins and decodes. When A's next
        // chunk finds no block, the only running sequence not already in the step is A itself: it is requeued.
        var backend = new FakeBackend(blocks: 8, blockSize: 4);
        var run = new Run(backend, new EngineOptions { MaxBatch = 2, PrefillChunk = 4, MaxStepTokens = 8 });
        (_, var a) = run.Add(Enumerable.Range(0, 28).ToArray(), 2);
        run.Step();
        (_, var b) = run.Add([70, 71], 20);
        run.RunToIdle();
        Assert.True(run.Metrics.Preemptions > 0, "the pool never ran out: the scenario does not reach preemption");
        AssertOutput(Enumerable.Range(28, 2).ToList(), "length", a);
        AssertOutput(Enumerable.Range(72, 20).ToList(), "length", b);
        Assert.Equal(0, backend.UsedBlocks);
        Assert.Equal(0, run.Admitted);
    }

    [Fact]
    public void Cancel_WaitingRequest_FinishesCancelledWithoutRunningAndReleasesAdmission()
    {
        var backend = new FakeBackend(16, 4);
        var run = new Run(backend, new EngineOptions { MaxBatch = 1 });
        run.Add([1, 2, 3], 50);
        using var client = new CancellationTokenSource();
        (SequenceState waiting, var output) = run.Add([4, 5, 6], 50, client.Token);
        run.Step();
        client.Cancel();
        run.Step();
        AssertOutput(Array.Empty<int>(), "cancelled", output);
        Assert.True(waiting.IsFinished);
        Assert.Equal(1, run.Admitted);
        Assert.DoesNotContain(backend.Steps, s => s.Any(x => x.Id == waiting.Id));
    }

    [Fact]
    public void Timeout_RunningSequencePastItsDeadline_FinishesWithTimeoutAndFreesItsBlocks()
    {
        var backend = new FakeBackend(16, 4);
        var run = new Run(backend, new EngineOptions());
        (_, var output) = run.Add([1, 2, 3], 50, timeout: TimeSpan.FromMilliseconds(50));
        run.Step();
        Assert.True(backend.UsedBlocks > 0);
        Thread.Sleep(80);
        run.Step();
        Assert.Equal("timeout", Read(output).Finish);
        Assert.Equal(0, backend.UsedBlocks);
        Assert.Equal(0, run.Admitted);
    }

    [Fact]
    public void Runner_VerifyRows_ReturnsLogitsForTheLastPositionsOnly()
    {
        var backend = new FakeBackend(16, 4);
        Assert.True(backend.Reserve(backend.Begin(1, [5, 6, 7]) + 1, 3) || true);
        backend.Begin(2, [5]);
        Assert.True(backend.Reserve(2, 4));
        var logits = backend.Execute([new CodeGen.Server.Backends.BackendSequence(2, [5, 6, 7, 8], 3)]);
        Assert.Equal(3, logits.Rows(0));
        Assert.Equal(7, ArgMax(logits.Row(0, 0))); // position 1 holds 6
        Assert.Equal(9, ArgMax(logits.Row(0, 2)));
        Assert.Equal(4, backend.Length(2));
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }
}
