using System.Threading.Channels;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Constraints.Python;
using CodeGen.Server.Decoding;
using CodeGen.Server.Engine;

namespace CodeGen.Server.Tests.Engine;

/// <summary>Sequences of the base model and of two adapters through one engine: batched together, cached apart.</summary>
public sealed class MultiAdapterEngineTests(AdapterModels models) : IClassFixture<AdapterModels>
{
    private static readonly int[] Prompt = [5, 300, 17, 900, 42, 7, 77, 512, 3, 64, 128, 256, 8, 19, 640, 33, 2, 91, 400, 12];

    [Fact]
    public async Task MixedBatch_BaseAndTwoAdaptersInOneStep_EachEqualsItsMergedModelAlone()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Base, new EngineOptions { MaxBatch = 8 }, models.Specs);
        // A base request holds the gate, so the three below are queued together and admitted into the same step.
        engine.Backend.Gated = true;
        ChannelReader<TokenEvent> blocker = engine.Submit([EngineHarness.Job([9, 8, 7], 30)])[0];
        Assert.True(await engine.Backend.StepEnteredAsync(TimeSpan.FromSeconds(30)));
        const int generate = 12;
        GenerationJob[] jobs = [.. Enumerable.Range(0, 3).Select(slot => EngineHarness.Job(Prompt, generate) with { Adapter = slot })];
        IReadOnlyList<ChannelReader<TokenEvent>> readers = engine.Submit(jobs); // one submission: queued before the gate opens
        engine.Backend.Gated = false;
        engine.Backend.Release(1000);

        for (int slot = 0; slot < 3; slot++)
        {
            (List<int> tokens, string? finish) = await EngineHarness.ReadAsync(readers[slot]);
            Assert.Equal("length", finish);
            Assert.Equal(models.Reference(models.DirectoryOf(slot), Prompt, generate).Ids, tokens);
        }
        await EngineHarness.ReadAsync(blocker);

        // The evidence that they shared steps: one step prefilled all three prompts, and later steps decoded them together.
        List<IReadOnlyList<(long Id, int Tokens)>> steps;
        lock (engine.Backend.Steps) steps = [.. engine.Backend.Steps];
        Assert.Contains(steps, s => s.Count(x => x.Tokens == Prompt.Length) == 3);
        Assert.True(steps.Count(s => s.Count >= 3 && s.All(x => x.Tokens == 1)) >= generate - 2, "the three sequences should decode in the same steps");
        // The three references differ from one another, so equal outputs mean each got its own adapter.
        Assert.Equal(3, Enumerable.Range(0, 3).Select(slot => string.Join(",", models.Reference(models.DirectoryOf(slot), Prompt, generate).Ids)).Distinct().Count());
    }

    [Fact]
    public async Task PrefixCache_SamePromptOnTwoAdapters_NotSharedAcrossAdaptersButWithinOne()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Base, new EngineOptions { MaxBatch = 4 }, models.Specs);
        int[] prompt = [.. Prompt, .. Prompt]; // 40 tokens: two full blocks of 16 to share
        const int generate = 6;
        Assert.Equal(models.Reference(null, prompt, generate).Ids, (await engine.RunAsync(EngineHarness.Job(prompt, generate))).Tokens);
        double hits = engine.Metrics.PrefixCacheHitTokens;
        for (int slot = 1; slot <= 2; slot++)
        {
            (List<int> tokens, _) = await engine.RunAsync(EngineHarness.Job(prompt, generate) with { Adapter = slot });
            Assert.Equal(models.Reference(models.DirectoryOf(slot), prompt, generate).Ids, tokens);
            Assert.Equal(hits, engine.Metrics.PrefixCacheHitTokens); // the base model's (and alpha's) blocks were not reused
        }
        // The same adapter again reuses its own two blocks and still answers the same.
        (List<int> again, _) = await engine.RunAsync(EngineHarness.Job(prompt, generate) with { Adapter = 1 });
        Assert.Equal(models.Reference(models.Alpha, prompt, generate).Ids, again);
        Assert.Equal(hits + 32, engine.Metrics.PrefixCacheHitTokens);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Speculative_OnAdapterRequests_VerifiedWithTheAdapterEqualsItsMergedModel(bool draftModel)
    {
        SpeculativeMode mode = draftModel ? SpeculativeMode.Draft : SpeculativeMode.Ngram;
        // The draft is the base model: its proposals are the base model's, the adapter's verification decides.
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Base, new EngineOptions { MaxBatch = 4, DraftModel = models.Base }, models.Specs);
        int[] prompt = [.. Prompt, .. Prompt[..10]]; // a repeat for the n-gram proposer to find
        const int generate = 16;
        var readers = Enumerable.Range(1, 2).Select(slot => engine.Submit([EngineHarness.Job(prompt, generate) with { Adapter = slot, Speculative = mode }])[0]).ToArray();
        for (int slot = 1; slot <= 2; slot++)
            Assert.Equal(models.Reference(models.DirectoryOf(slot), prompt, generate).Ids, (await EngineHarness.ReadAsync(readers[slot - 1])).Tokens);
        Assert.True(engine.Metrics.DraftTokens > 0, "drafts should have been proposed and verified");
    }

    [Fact]
    public async Task Constrained_PythonOnAnAdapterRequestWithNgrams_EqualsTheSameRequestOnTheMergedModel()
    {
        await using EngineHarness served = await EngineHarness.StartAsync(models.Base, new EngineOptions { MaxBatch = 4 }, models.Specs);
        await using EngineHarness merged = await EngineHarness.StartAsync(models.SaveMerged(models.Beta), new EngineOptions { MaxBatch = 4 });
        BpeTokenizer tokenizer = served.Host.Tokenizer!;
        const string prompt = "def add(a, b):\n    total = a + b\n    ";
        var job = new GenerationJob("test", tokenizer.Encode(prompt), 24, SamplingOptions.Greedy, [], [tokenizer.EndOfTextId!.Value], null)
        {
            Constraint = new ConstraintRequest(new PythonSyntaxConstraint(), prompt),
            Speculative = SpeculativeMode.Ngram,
        };
        var adapted = await EngineHarness.ReadTextAsync(served.Submit([job with { Adapter = 2 }])[0]);
        var reference = await EngineHarness.ReadTextAsync(merged.Submit([job])[0]);
        var plain = await EngineHarness.ReadTextAsync(served.Submit([job])[0]);
        Assert.Equal(reference.Tokens, adapted.Tokens);
        Assert.Equal(reference.Text, adapted.Text);
        Assert.NotEqual(plain.Tokens, adapted.Tokens); // the base model's constrained answer differs
        Assert.True(served.Metrics.DraftTokens > 0, "n-gram drafts should have been verified");
        Assert.True(served.Metrics.ConstraintRejections > 0, "the constraint should have removed candidates");
    }
}
