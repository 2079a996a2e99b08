using CodeGen.Model;
using CodeGen.Model.Sampling;
using CodeGen.Server.Decoding;
using CodeGen.Server.Engine;
using CodeGen.Server.Tests.Engine;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Decoding;

/// <summary>Target and draft model directories: the servable tiny Llama, a copy of it, another Llama with the same tokenizer, and two Qwen2s of vocabulary 97.</summary>
public sealed class SpeculativeModels : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-spec-").FullName;

    public SpeculativeModels()
    {
        Target = TinyModels.SaveServable(Path.Combine(_root, "target"));
        SameDraft = TinyModels.SaveServable(Path.Combine(_root, "same"));
        OtherDraft = TinyModels.SaveServable(Path.Combine(_root, "other"), seed: 3);
        SmallTarget = Save("small-target", 5);
        SmallDraft = Save("small-draft", 8);
    }

    public string Target { get; }

    /// <summary>The target's own weights: every greedy draft is accepted.</summary>
    public string SameDraft { get; }

    /// <summary>Other random weights: most drafts are rejected.</summary>
    public string OtherDraft { get; }

    public string SmallTarget { get; }

    public string SmallDraft { get; }

    private string Save(string name, long seed)
    {
        string directory = Path.Combine(_root, name);
        using CausalLM model = TinyModels.Random(TinyModels.Qwen2Config(maxPositions: 256), seed: seed);
        model.Save(directory);
        return directory;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}

public sealed class SpeculativeDecodingTests(SpeculativeModels models) : IClassFixture<SpeculativeModels>
{
    private static readonly EngineOptions Options = new() { MaxBatch = 8, PrefillChunk = 16, MaxStepTokens = 64, BlockSize = 4 };

    // Prompts with repeated stretches, so prompt lookup finds matches (and the random model's loops add more).
    private static int[][] Prompts()
    {
        var prompts = new List<int[]>();
        for (int i = 0; i < 8; i++)
        {
            int[] piece = Enumerable.Range(0, 5 + i % 3).Select(k => (k * 37 + i * 101) % 1000 + 10).ToArray();
            prompts.Add([.. piece, .. piece, .. piece[..3], (i * 7) % 900 + 20]);
        }
        return [.. prompts];
    }

    private static GenerationJob Job(int[] prompt, int maxTokens, SpeculativeMode mode, SamplingOptions? sampling = null, IReadOnlyList<string>? stops = null) =>
        new("test", prompt, maxTokens, sampling ?? SamplingOptions.Greedy, stops ?? [], [1018], null) { Speculative = mode };

    [Fact]
    public async Task Greedy_NgramBesidePlainSequencesInOneBatch_TokenForTokenEqualToTheReference()
    {
        int[][] prompts = Prompts();
        const int generate = 24;
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Target, Options);
        var readers = prompts.Select((p, i) => EngineHarness.ReadTextAsync(engine.Submit([Job(p, generate, i % 2 == 0 ? SpeculativeMode.Ngram : SpeculativeMode.None)])[0])).ToArray();
        var results = await Task.WhenAll(readers);

        using CausalLM model = CausalLM.Load(models.Target, float32, CPU);
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(ReferenceDecoder.Greedy(model, prompts[i], generate, [1018]), results[i].Tokens);
        Assert.True(engine.Metrics.DraftTokens > 0, "no drafts were proposed");
        Assert.True(engine.Metrics.AcceptedDraftTokens > 0, "no draft was accepted");
        Assert.True(engine.Metrics.AcceptedDraftTokens < engine.Metrics.DraftTokens, "no draft was rejected: the rollback path did not run");
        // Speculating and plain sequences shared steps: a step held a verification (several tokens) beside a one-token decode.
        Assert.Contains(engine.Backend.Steps, step => step.Count(s => s.Tokens == 1) > 0 && step.Count(s => s.Tokens > 1) > 0);
    }

    [Fact]
    public async Task VerificationRows_LogitsOfEveryPositionEqualPlainDecoding()
    {
        int[] prompt = Prompts()[2];
        const int generate = 20;
        var plainLogits = new Dictionary<int, float[]>();
        var specLogits = new Dictionary<int, float[]>();
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Target, Options with { DraftModel = models.OtherDraft });
        GenerationJob plain = Job(prompt, generate, SpeculativeMode.None) with { ObserveLogits = (p, l) => plainLogits[p] = l.ToArray() };
        await EngineHarness.ReadTextAsync(engine.Submit([plain])[0]);
        // A draft's rows are observed too; the last write of a position is the kept one (rejected drafts are recomputed).
        GenerationJob spec = Job(prompt, generate, SpeculativeMode.Draft) with { ObserveLogits = (p, l) => specLogits[p] = l.ToArray() };
        await EngineHarness.ReadTextAsync(engine.Submit([spec])[0]);
        Assert.True(engine.Metrics.DraftTokens > 0);
        for (int p = prompt.Length - 1; p < prompt.Length + generate - 1; p++)
        {
            float worst = plainLogits[p].Zip(specLogits[p], (a, b) => Math.Abs(a - b)).Max();
            Assert.True(worst <= 1e-5f, $"position {p}: logits differ by {worst}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Greedy_DraftModel_EqualsTheReference_AcceptingAllOfItsOwnWeightsDrafts(bool sameWeights)
    {
        int[][] prompts = Prompts()[..4];
        const int generate = 20;
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Target, Options with { DraftModel = sameWeights ? models.SameDraft : models.OtherDraft });
        var results = await Task.WhenAll(prompts.Select(p => EngineHarness.ReadTextAsync(engine.Submit([Job(p, generate, SpeculativeMode.Draft)])[0])));

        using CausalLM model = CausalLM.Load(models.Target, float32, CPU);
        for (int i = 0; i < prompts.Length; i++) Assert.Equal(ReferenceDecoder.Greedy(model, prompts[i], generate, [1018]), results[i].Tokens);
        Assert.True(engine.Metrics.DraftTokens > 0);
        if (sameWeights) Assert.Equal(engine.Metrics.DraftTokens, engine.Metrics.AcceptedDraftTokens);
        else Assert.True(engine.Metrics.AcceptedDraftTokens < engine.Metrics.DraftTokens);
    }

    [Fact]
    public async Task MaxTokensAndStopStringInsideADraftedRun_EndThereAsInPlainDecoding()
    {
        int[] prompt = Prompts()[1];
        await using EngineHarness plain = await EngineHarness.StartAsync(models.Target, Options);
        var reference = await EngineHarness.ReadTextAsync(plain.Submit([Job(prompt, 30, SpeculativeMode.None)])[0]);
        // A stop string from the middle of the plain text; drafts of the target's own weights run 8 tokens ahead.
        string stop = reference.Text.Substring(reference.Text.Length / 2, 3);
        var stopped = await EngineHarness.ReadTextAsync(plain.Submit([Job(prompt, 30, SpeculativeMode.None, stops: [stop])])[0]);

        await using EngineHarness spec = await EngineHarness.StartAsync(models.Target, Options with { DraftModel = models.SameDraft });
        var length = await EngineHarness.ReadTextAsync(spec.Submit([Job(prompt, 13, SpeculativeMode.Draft)])[0]);
        Assert.Equal(reference.Tokens[..13], length.Tokens);
        Assert.Equal("length", length.Finish);
        var specStopped = await EngineHarness.ReadTextAsync(spec.Submit([Job(prompt, 30, SpeculativeMode.Draft, stops: [stop])])[0]);
        Assert.Equal(stopped.Text, specStopped.Text);
        Assert.Equal("stop", specStopped.Finish);
        Assert.True(spec.Metrics.AcceptedDraftTokens > 13, "the runs were not drafted ahead");
    }

    // The second generated token comes from a verification step: its distribution must be the target's exactly.
    [Theory]
    [InlineData("none", 1.0, 1.0)]
    [InlineData("draft", 1.0, 1.0)]
    [InlineData("ngram", 1.0, 1.0)]
    [InlineData("draft", 0.8, 0.9)]
    public async Task Sampling_SecondTokenOfSpeculativeRuns_FollowsThePlainDistribution_ChiSquared(string speculative, double temperature, double topP)
    {
        SpeculativeMode mode = speculative switch { "draft" => SpeculativeMode.Draft, "ngram" => SpeculativeMode.Ngram, _ => SpeculativeMode.None };
        // For prompt lookup every token id once in the prompt, so it always proposes a draft for the second token.
        int[] prompt = Enumerable.Range(0, mode == SpeculativeMode.Ngram ? 97 : 12).Select(i => (i * 31 + 7) % 97).ToArray();
        var sampling = new SamplingOptions { Temperature = temperature, TopP = topP };
        double[] expected = SecondTokenDistribution(models.SmallTarget, prompt, sampling);

        const int samples = 4000;
        var counts = new double[97];
        await using (EngineHarness engine = await EngineHarness.StartAsync(models.SmallTarget, Options with
        {
            MaxBatch = 32,
            MaxQueue = 1000,
            MaxStepTokens = 4096,
            PrefillChunk = 128,
            DraftModel = mode == SpeculativeMode.Draft ? models.SmallDraft : null,
        }))
        {
            for (int batch = 0; batch < samples; batch += 200)
            {
                var readers = Enumerable.Range(batch, 200).Select(seed =>
                    EngineHarness.ReadTextAsync(engine.Submit([Job(prompt, 3, mode, sampling with { Seed = seed })])[0]));
                foreach (var r in await Task.WhenAll(readers)) counts[r.Tokens[1]]++;
            }
            if (mode != SpeculativeMode.None)
            {
                Assert.True(engine.Metrics.DraftTokens >= samples, $"only {engine.Metrics.DraftTokens} drafts for {samples} sequences");
                Assert.True(engine.Metrics.AcceptedDraftTokens < engine.Metrics.DraftTokens, "every draft accepted: the residual path did not run");
            }
        }
        (double chi2, int df) = ChiSquared(counts, expected, samples);
        double critical = ChiSquaredCritical(df, z: 3.09); // significance 0.001
        Assert.True(chi2 < critical, $"chi-squared {chi2:F1} with {df} degrees of freedom exceeds {critical:F1} (p < 0.001)");
    }

    // P(t2) = sum over t1 of p(t1 | prompt) p(t2 | prompt, t1), with the sampler's own processing (temperature, top-p).
    private static double[] SecondTokenDistribution(string directory, int[] prompt, SamplingOptions sampling)
    {
        using CausalLM model = CausalLM.Load(directory, float32, CPU);
        var sampler = new Sampler(sampling);
        TokenDistribution first = sampler.Distribution(ReferenceDecoder.LastLogits(model, prompt));
        var result = new double[97];
        for (int t1 = 0; t1 < 97; t1++)
        {
            double p1 = first.Probability(t1);
            if (p1 == 0) continue;
            var withT1 = new Sampler(sampling);
            TokenDistribution second = withT1.Distribution(ReferenceDecoder.LastLogits(model, [.. prompt, t1]));
            for (int t2 = 0; t2 < 97; t2++) result[t2] += p1 * second.Probability(t2);
        }
        return result;
    }

    // Pearson's statistic over cells with an expected count of at least 5 (the rest pooled into one cell).
    private static (double Chi2, int DegreesOfFreedom) ChiSquared(double[] observed, double[] probabilities, int n)
    {
        double chi2 = 0, pooledObserved = 0, pooledExpected = 0;
        int cells = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            double e = probabilities[i] * n;
            if (e >= 5)
            {
                chi2 += (observed[i] - e) * (observed[i] - e) / e;
                cells++;
            }
            else
            {
                pooledObserved += observed[i];
                pooledExpected += e;
            }
        }
        if (pooledExpected > 0)
        {
            chi2 += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / Math.Max(pooledExpected, 1e-9);
            cells++;
        }
        return (chi2, cells - 1);
    }

    // Wilson-Hilferty: the chi-squared quantile with df degrees of freedom at standard normal quantile z.
    private static double ChiSquaredCritical(int df, double z)
    {
        double a = 2.0 / (9 * df);
        return df * Math.Pow(1 - a + z * Math.Sqrt(a), 3);
    }
}

// The shipped pair: models/codegen-tiny with its distilled draft models/codegen-tiny-draft.
public sealed class BundledDraftTests
{
    [Fact]
    public async Task BundledPair_GreedyDraftSpeculation_EqualsPlainDecodingAndAcceptsDrafts()
    {
        string[] prompts = ["def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n", "public static int Sum(int[] xs)\n{\n", "import os\n\ndef list_files(path):\n"];
        var options = new EngineOptions { MaxBatch = 4, MaxContext = 512 };
        await using EngineHarness plain = await EngineHarness.StartAsync(Fixtures.BundledModel, options);
        await using EngineHarness spec = await EngineHarness.StartAsync(Fixtures.BundledModel, options with { DraftModel = Fixtures.BundledDraft });
        var tokenizer = plain.Host.Tokenizer!;
        Assert.True(tokenizer.SameVocabulary(spec.Host.Tokenizer!));
        foreach (string prompt in prompts)
        {
            GenerationJob Job(SpeculativeMode mode) =>
                new("test", tokenizer.Encode(prompt), 32, SamplingOptions.Greedy, [], [tokenizer.EndOfTextId!.Value], null) { Speculative = mode };
            var expected = await EngineHarness.ReadTextAsync(plain.Submit([Job(SpeculativeMode.None)])[0]);
            var actual = await EngineHarness.ReadTextAsync(spec.Submit([Job(SpeculativeMode.Draft)])[0]);
            Assert.Equal(expected.Tokens, actual.Tokens);
        }
        Assert.True(spec.Metrics.DraftTokens > 0);
        // The distilled draft agrees with its teacher on a good share of greedy tokens (0.46 on HumanEval prompts).
        Assert.True(spec.Metrics.AcceptedDraftTokens > 0.2 * spec.Metrics.DraftTokens,
            $"accepted {spec.Metrics.AcceptedDraftTokens} of {spec.Metrics.DraftTokens} drafted tokens");
    }
}
