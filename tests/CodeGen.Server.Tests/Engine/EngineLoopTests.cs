using CodeGen.Model;
using CodeGen.Model.Sampling;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Engine;

public sealed class EngineLoopTests(EngineModels models) : IClassFixture<EngineModels>
{
    private static int[] Prompt(int length, int salt) => Enumerable.Range(0, length).Select(i => (i * 13 + salt * 7 + 3) % 90 + 3).ToArray();

    public static TheoryData<string> Shapes => new() { "llama", "qwen2", "qwen2-dynamic" };

    private string Directory(string shape) => shape switch
    {
        "llama" => models.Llama,
        "qwen2" => models.Qwen2,
        _ => models.Qwen2Dynamic,
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task Greedy_MixedSteps_IdsAndLogitsEqualEachSequenceAloneAndTheFullForwardReference(string shape)
    {
        // Prompts of different lengths; two share a 20-token prefix (shared blocks); the dynamic-RoPE model's
        // sequences run past its original context of 24. Small prefill chunks mix prefills with decodes.
        int[] common = Prompt(20, 9);
        int[][] prompts = [Prompt(3, 1), [.. common, 5, 6], Prompt(31, 2), [.. common, 7], Prompt(11, 3), Prompt(1, 4)];
        const int generate = 14;
        var options = new EngineOptions { MaxBatch = 8, PrefillChunk = 5, MaxStepTokens = 16, BlockSize = 4 };

        var aloneIds = new List<int>[prompts.Length];
        var aloneLogits = new Dictionary<int, float[]>[prompts.Length];
        await using (EngineHarness alone = await EngineHarness.StartAsync(Directory(shape), options with { PrefixCache = false }))
        {
            for (int i = 0; i < prompts.Length; i++)
            {
                var seen = aloneLogits[i] = [];
                aloneIds[i] = (await alone.RunAsync(EngineHarness.Job(prompts[i], generate, observe: (p, l) => seen[p] = l.ToArray()))).Tokens;
            }
        }

        await using EngineHarness together = await EngineHarness.StartAsync(Directory(shape), options);
        var mixedLogits = prompts.Select(_ => new Dictionary<int, float[]>()).ToArray();
        var readers = new List<Task<(List<int> Tokens, string? Finish)>>();
        for (int i = 0; i < prompts.Length; i++)
        {
            var seen = mixedLogits[i];
            readers.Add(EngineHarness.ReadAsync(together.Submit([EngineHarness.Job(prompts[i], generate, observe: (p, l) => seen[p] = l.ToArray())])[0]));
            if (i == 2) await Task.Delay(30); // later arrivals join a running batch
        }
        var results = await Task.WhenAll(readers);
        Assert.True(together.Metrics.PrefixCacheHitTokens > 0, "the shared prefix was not shared");
        Assert.Contains(together.Backend.Steps, step => step.Count > 1 && step.Any(s => s.Tokens > 1) && step.Any(s => s.Tokens == 1));

        using CausalLM model = CausalLM.Load(Directory(shape), float32, CPU);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal(ReferenceDecoder.Greedy(model, prompts[i], generate), aloneIds[i]);
            Assert.Equal(aloneIds[i], results[i].Tokens);
            // Every generated position is computed in both runs; prompt positions only where not shared.
            for (int p = prompts[i].Length - 1; p < prompts[i].Length + generate - 1; p++) Assert.True(mixedLogits[i].ContainsKey(p), $"position {p} not observed");
            foreach ((int position, float[] logits) in mixedLogits[i])
            {
                float[] expected = aloneLogits[i][position];
                float worst = expected.Zip(logits, (a, b) => Math.Abs(a - b)).Max();
                Assert.True(worst <= 1e-5f, $"sequence {i} position {position}: logits differ by {worst}");
            }
        }
    }

    [Fact]
    public async Task NEight_OnePrompt_PrefilledOnceAndEachSampleEqualsASingleRequestWithItsSeed()
    {
        int[] prompt = Prompt(40, 5);
        var sampling = new SamplingOptions { Temperature = 0.8, Seed = 100 };
        var options = new EngineOptions { MaxBatch = 8, BlockSize = 16 };
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, options);
        var jobs = Enumerable.Range(0, 8).Select(i => EngineHarness.Job(prompt, 10, sampling with { Seed = 100 + i })).ToArray();
        var samples = await Task.WhenAll(engine.Submit(jobs).Select(EngineHarness.ReadAsync));
        // The first computes the 40 prompt tokens; each later one forks 39 positions and computes only the last.
        Assert.Equal(40 + 7, engine.Metrics.PrefillTokensComputed);
        Assert.Equal(7 * 39, engine.Metrics.PrefixCacheHitTokens);
        await engine.WaitIdleAsync();
        Assert.Equal(0, engine.Backend.UsedBlocks);

        await using EngineHarness single = await EngineHarness.StartAsync(models.Llama, options with { PrefixCache = false });
        for (int i = 0; i < 8; i++) Assert.Equal((await single.RunAsync(jobs[i])).Tokens, samples[i].Tokens);
        Assert.True(samples.Select(s => string.Join(',', s.Tokens)).Distinct().Count() > 1, "samples with different seeds should differ");
    }

    [Fact]
    public async Task Cancel_WhileGenerating_EndsCancelledAndReleasesAdmissionAndBlocks()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, new EngineOptions { MaxBatch = 2 });
        engine.Backend.Gated = true;
        using var client = new CancellationTokenSource();
        var reader = engine.Submit([EngineHarness.Job(Prompt(12, 1), 200, new SamplingOptions { Temperature = 1, Seed = 1 })], client.Token)[0];
        Task<(List<int> Tokens, string? Finish)> read = EngineHarness.ReadAsync(reader);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(10)));
            engine.Backend.Release();
        }
        Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(10))); // step 5 is held at the gate
        Assert.Equal(1, engine.Loop.InFlight);
        Assert.True(engine.Backend.UsedBlocks > 0);
        client.Cancel(); // the client leaves while a step of its sequence runs
        engine.Backend.Gated = false;
        engine.Backend.Release(10);
        (List<int> tokens, string? finish) = await read;
        Assert.Equal("cancelled", finish);
        Assert.Equal(5, tokens.Count); // the held step's token, then the cancellation at the next schedule
        await engine.WaitIdleAsync();
        Assert.Equal(0, engine.Backend.UsedBlocks);
        Assert.Equal(1, engine.Metrics.FinishedWith("cancelled"));
    }

    [Fact]
    public async Task StopAsync_WhileARequestRuns_WaitsForItAndTheResponseIsComplete()
    {
        EngineHarness engine = await EngineHarness.StartAsync(models.Llama, new EngineOptions());
        engine.Backend.Gated = true;
        Task<(List<int> Tokens, string? Finish)> read = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(Prompt(6, 2), 5)])[0]);
        Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(10))); // the prefill is held
        Task stop = engine.Loop.StopAsync(new CancellationTokenSource(TimeSpan.FromSeconds(20)).Token);
        await Task.Delay(50);
        Assert.False(stop.IsCompleted, "shutdown must wait for the running request");
        Assert.Null(engine.Loop.TrySubmit([EngineHarness.Job([1], 1)], default, out string? rejection));
        Assert.Equal("shutting down", rejection);
        engine.Backend.Gated = false;
        engine.Backend.Release(10);
        await stop;
        (List<int> tokens, string? finish) = await read;
        Assert.Equal("length", finish);
        Assert.Equal(5, tokens.Count);
        engine.Loop.Dispose();
        engine.Host.Dispose();
    }

    [Fact]
    public async Task FailingStep_EndsOnlyItsSequences_TheWaitingOneStillRuns()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, new EngineOptions { MaxBatch = 1, MaxStepTokens = 8 });
        int[] poisoned = Prompt(5, 3), healthy = Prompt(7, 4);
        engine.Backend.FailWhen = step => step.Any(s => s.Tokens.SequenceEqual(poisoned));
        Task<(List<int> Tokens, string? Finish)> failed = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(poisoned, 4)])[0]);
        Task<(List<int> Tokens, string? Finish)> waiting = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(healthy, 4)])[0]);
        Assert.Equal("error", (await failed).Finish);
        (List<int> tokens, string? finish) = await waiting;
        Assert.Equal("length", finish);
        using CausalLM model = CausalLM.Load(models.Llama, float32, CPU);
        Assert.Equal(ReferenceDecoder.Greedy(model, healthy, 4), tokens);
    }

    [Fact]
    public async Task KvPoolFull_RunningSequenceIsPreemptedAndRequeued_OutputsUnchanged()
    {
        // 10 blocks of 8 = 80 positions; three sequences of 20 + 40 positions cannot all hold their KV at once.
        int[][] prompts = [Prompt(20, 1), Prompt(20, 2), Prompt(20, 3)];
        var options = new EngineOptions { MaxBatch = 3, BlockSize = 8, KvCacheMemory = $"{10 * 8 * 256}B", MaxContext = 64 };
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, options);
        Assert.Equal(10, engine.Backend.TotalBlocks);
        var results = await Task.WhenAll(engine.Submit(prompts.Select(p => EngineHarness.Job(p, 40)).ToArray()).Select(EngineHarness.ReadAsync));
        Assert.True(engine.Metrics.Preemptions > 0, "no sequence was preempted");
        using CausalLM model = CausalLM.Load(models.Llama, float32, CPU);
        for (int i = 0; i < prompts.Length; i++)
        {
            Assert.Equal("length", results[i].Finish);
            Assert.Equal(ReferenceDecoder.Greedy(model, prompts[i], 40), results[i].Tokens);
        }
        await engine.WaitIdleAsync();
        Assert.Equal(0, engine.Backend.UsedBlocks);
    }

    [Fact]
    public async Task Schedule_LongPrompts_ChunkedWithinTheBudgetAndDecodesNeverWait()
    {
        var options = new EngineOptions { MaxBatch = 4, PrefillChunk = 16, MaxStepTokens = 20 };
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, options);
        engine.Backend.Gated = true;
        Task<(List<int>, string?)> shortOne = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(Prompt(4, 1), 12)])[0]);
        Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(10)));
        Task<(List<int>, string?)> longOne = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(Prompt(50, 2), 2)])[0]);
        engine.Backend.Gated = false;
        engine.Backend.Release(100);
        await Task.WhenAll(shortOne, longOne);
        var steps = engine.Backend.Steps;
        Assert.All(steps, step => Assert.True(step.Sum(s => s.Tokens) <= 20, "a step ran past the token budget"));
        Assert.All(steps, step => Assert.All(step, s => Assert.True(s.Tokens <= 16, "a prefill chunk ran past --prefill-chunk")));
        // While the long prompt prefilled (16, 16, 16, 2 tokens at most per step), the short one decoded in every step.
        long shortId = steps[0][0].Id;
        int prefillSteps = steps.Count(step => step.Any(s => s.Id != shortId && s.Tokens > 1));
        Assert.True(prefillSteps >= 3, $"the 50-token prompt ran in {prefillSteps} chunks");
        Assert.All(steps.Where(step => step.Any(s => s.Id != shortId && s.Tokens > 1)).Take(3), step => Assert.Contains(step, s => s.Id == shortId && s.Tokens == 1));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stress_ManySampledRequestsInATightPool_EveryOneFinishesWithoutError(bool prefixCache)
    {
        // 8 requests of n = 3 with prompts of 30-120 tokens, sampled, in a pool of 50 blocks of 8:
        // chunked prefills, forks, preemptions and admissions all interleave.
        var options = new EngineOptions { MaxBatch = 6, PrefillChunk = 32, MaxStepTokens = 64, BlockSize = 8, KvCacheMemory = $"{50 * 8 * 256}B", PrefixCache = prefixCache };
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, options);
        engine.Backend.Gated = true; // everything is queued before the first step runs, so the run is the same every time
        var random = new Random(3);
        var reads = new List<Task<(List<int> Tokens, string? Finish)>>();
        for (int r = 0; r < 8; r++)
        {
            int[] prompt = Prompt(random.Next(30, 120), r % 4);
            var jobs = Enumerable.Range(0, 3).Select(i => EngineHarness.Job(prompt, random.Next(10, 40), new SamplingOptions { Temperature = 0.8, Seed = r * 10 + i })).ToArray();
            reads.AddRange(engine.Submit(jobs).Select(EngineHarness.ReadAsync));
        }
        engine.Backend.Gated = false;
        engine.Backend.Release(1000);
        var results = await Task.WhenAll(reads);
        Assert.True(results.All(r => r.Finish == "length"),
            $"finishes: {string.Join(", ", results.Select(r => r.Finish).Distinct())}; engine log: {string.Join(" | ", engine.Log.Entries)}");
        Assert.True(engine.Metrics.Preemptions > 0, "the pool never ran out");
        await engine.WaitIdleAsync();
        Assert.Equal(0, engine.Backend.UsedBlocks);
    }

    [Fact]
    public async Task LongPromptAlone_StepsWithoutLogitRows_PrefillsInChunksAndMatchesTheReference()
    {
        // 40 tokens in chunks of 16: the first two steps ask for no logits at all.
        int[] prompt = Prompt(40, 6);
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Qwen2, new EngineOptions { PrefillChunk = 16 });
        (List<int> tokens, string? finish) = await engine.RunAsync(EngineHarness.Job(prompt, 6));
        Assert.Equal("length", finish);
        Assert.Equal([16, 16, 8, 1, 1, 1, 1, 1], engine.Backend.Steps.Select(step => Assert.Single(step).Tokens));
        using CausalLM model = CausalLM.Load(models.Qwen2, float32, CPU);
        Assert.Equal(ReferenceDecoder.Greedy(model, prompt, 6), tokens);
    }

    [Fact]
    public async Task RequestTimeout_SequenceStillRunning_EndsWithTimeout()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, new EngineOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        engine.Backend.Gated = true;
        Task<(List<int> Tokens, string? Finish)> read = EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(Prompt(6, 1), 100)])[0]);
        Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(10)));
        await Task.Delay(400); // the deadline passes while the step is held
        engine.Backend.Gated = false;
        engine.Backend.Release(10);
        Assert.Equal("timeout", (await read).Finish);
        await engine.WaitIdleAsync();
    }

    [Fact]
    public async Task Admission_WaitingRequestsAreAdmittedFirstComeFirstServedAsPlacesFree()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, new EngineOptions { MaxBatch = 1 });
        var reads = Enumerable.Range(0, 3).Select(i => EngineHarness.ReadAsync(engine.Submit([EngineHarness.Job(Prompt(5, i), 3)])[0])).ToArray();
        await Task.WhenAll(reads);
        var order = engine.Backend.Steps.Select(step => Assert.Single(step).Id).Distinct().ToArray();
        Assert.Equal(order.Order(), order); // one at a time, in arrival order
        Assert.Equal(3, order.Length);
    }
}
