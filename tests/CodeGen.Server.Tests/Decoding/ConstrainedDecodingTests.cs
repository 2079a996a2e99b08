using System.Text.Json;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Constraints;
using CodeGen.Server.Constraints.CSharp;
using CodeGen.Server.Constraints.Python;
using CodeGen.Server.Decoding;
using CodeGen.Server.Engine;
using CodeGen.Server.Tests.Engine;
using CodeGen.TestUtils;

namespace CodeGen.Server.Tests.Decoding;

public sealed class ConstrainedDecodingTests(EngineModels models) : IClassFixture<EngineModels>
{
    private static readonly EngineOptions Options = new() { MaxBatch = 8, MaxContext = 512 };

    private static string DataFile(string name) => Fixtures.FindAbove(Path.Combine("evalstore", "Benchmarks", "Data", name))
        ?? throw new FileNotFoundException($"evalstore/Benchmarks/Data/{name} not found above {AppContext.BaseDirectory}");

    // The first humaneval-cs prompts that leave room for a completion in the bundled model's 512 positions.
    private static List<string> CSharpPrompts(BpeTokenizer tokenizer, int count)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(DataFile("multipl-e/humaneval-cs-reworded.json")));
        return doc.RootElement.EnumerateArray().Select(p => p.GetProperty("prompt").GetString()!)
            .Where(p => tokenizer.Encode(p).Count < 200).Take(count).ToList();
    }

    private static GenerationJob Job(BpeTokenizer tokenizer, string prompt, int maxTokens, ISyntaxConstraint? constraint,
        SamplingOptions? sampling = null, SpeculativeMode speculative = SpeculativeMode.None) =>
        new("test", tokenizer.Encode(prompt), maxTokens, sampling ?? SamplingOptions.Greedy, [], [tokenizer.EndOfTextId!.Value], null)
        {
            Constraint = constraint is null ? null : new ConstraintRequest(constraint, prompt),
            Speculative = speculative,
        };

    [Fact]
    public async Task Greedy_CSharpConstraintOnHumanEvalCsPrompts_SameTokensUntilTheFirstInvalidOneThenViableToTheEnd()
    {
        // A random-weight model with a code tokenizer: unconstrained, it soon writes invalid C#.
        await using EngineHarness engine = await EngineHarness.StartAsync(models.Llama, Options with { MaxContext = null });
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var constraint = new CSharpSyntaxConstraint();
        List<string> prompts = CSharpPrompts(tokenizer, 4);
        Assert.Equal(4, prompts.Count);
        var plain = await Task.WhenAll(prompts.Select(p => EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 40, null)])[0])));
        var constrained = await Task.WhenAll(prompts.Select(p => EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 40, constraint)])[0])));

        int changed = 0;
        for (int i = 0; i < prompts.Count; i++)
        {
            // The first plain token that makes the text unrepairable, if any (judged by its bytes, as the engine does).
            var judge = new SyntaxTokenConstraint(constraint.Begin(prompts[i]), tokenizer, [tokenizer.EndOfTextId!.Value], null);
            int firstInvalid = plain[i].Tokens.Count;
            for (int t = 0; t < plain[i].Tokens.Count; t++)
            {
                if (!judge.Allows(plain[i].Tokens[t]))
                {
                    firstInvalid = t;
                    break;
                }
                judge.Accept(plain[i].Tokens[t]);
            }
            int same = Math.Min(firstInvalid, constrained[i].Tokens.Count);
            Assert.Equal(plain[i].Tokens[..same], constrained[i].Tokens[..same]);
            if (firstInvalid < plain[i].Tokens.Count && constrained[i].Tokens.Count > firstInvalid)
            {
                Assert.NotEqual(plain[i].Tokens[firstInvalid], constrained[i].Tokens[firstInvalid]);
                changed++;
            }
            PrefixScan.Result scan = PrefixScan.Run(constraint, prompts[i], constrained[i].Text);
            Assert.True(scan.RejectedAt is null, $"prompt {i}: constrained text rejected at {scan.RejectedAt}: {scan.Reason}\n[{constrained[i].Text}]");
            // A completion that closed the method ends there with "stop" (a "stop" may also be the model's EOS).
            var replay = new SyntaxTokenConstraint(constraint.Begin(prompts[i]), tokenizer, [tokenizer.EndOfTextId!.Value], null);
            foreach (int t in constrained[i].Tokens) replay.Accept(t);
            if (replay.CompletedAt is not null) Assert.Equal("stop", constrained[i].Finish);
        }
        Assert.True(changed > 0, "the model never produced an invalid token, so the constraint was not exercised");
        Assert.True(engine.Metrics.ConstraintRejections >= changed);
    }

    [Fact]
    public async Task Sampling_CSharpAndPythonConstraints_EveryCompletionIsViable()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var sampling = new SamplingOptions { Temperature = 0.8, TopP = 0.95 };
        List<string> csharp = CSharpPrompts(tokenizer, 3);
        List<string> python = HumanEvalPrompts(tokenizer, 3);
        var jobs = new List<(string Prompt, ISyntaxConstraint Constraint, Task<(List<int>, string Text, string?, string?)> Result)>();
        int seed = 0;
        foreach ((List<string> prompts, ISyntaxConstraint constraint) in new (List<string>, ISyntaxConstraint)[] { (csharp, new CSharpSyntaxConstraint()), (python, new PythonSyntaxConstraint()) })
        {
            foreach (string p in prompts)
            {
                for (int k = 0; k < 3; k++)
                    jobs.Add((p, constraint, EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 48, constraint, sampling with { Seed = seed++ })])[0])));
            }
        }
        foreach (var (prompt, constraint, result) in jobs)
        {
            string text = (await result).Text;
            PrefixScan.Result scan = PrefixScan.Run(constraint, prompt, text);
            Assert.True(scan.RejectedAt is null, $"{constraint.Name} completion rejected at {scan.RejectedAt}: {scan.Reason}\n{text}");
        }
    }

    private static List<string> HumanEvalPrompts(BpeTokenizer tokenizer, int count)
    {
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(DataFile("humaneval/HumanEval.jsonl.gz")), System.IO.Compression.CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var prompts = new List<string>();
        while (prompts.Count < count && reader.ReadLine() is string line)
        {
            string prompt = JsonDocument.Parse(line).RootElement.GetProperty("prompt").GetString()!;
            if (tokenizer.Encode(prompt).Count < 400) prompts.Add(prompt);
        }
        return prompts;
    }

    [Fact]
    public async Task Greedy_ConstraintWithNgramSpeculation_EqualsConstrainedPlainDecoding()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var constraint = new CSharpSyntaxConstraint();
        List<string> prompts = CSharpPrompts(tokenizer, 4);
        var plain = await Task.WhenAll(prompts.Select(p => EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 48, constraint)])[0])));
        var spec = await Task.WhenAll(prompts.Select(p => EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 48, constraint, speculative: SpeculativeMode.Ngram)])[0])));
        for (int i = 0; i < prompts.Count; i++)
        {
            Assert.Equal(plain[i].Tokens, spec[i].Tokens);
            Assert.Equal(plain[i].Text, spec[i].Text);
        }
        Assert.True(engine.Metrics.DraftTokens > 0);
    }

    [Fact]
    public async Task ConstraintAllowsNothing_EndsWithStopAndSaysWhy()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        // No stop token for this job, so no token at all is allowed (a stop token always is).
        GenerationJob job = Job(tokenizer, "x = 1\n", 10, new FakeConstraint(allow: false, completeAfter: null)) with { StopTokenIds = [] };
        var result = await EngineHarness.ReadTextAsync(engine.Submit([job])[0]);
        Assert.Empty(result.Tokens);
        Assert.Equal("stop", result.Finish);
        Assert.Equal($"constraint: the constraint rejected the {Sampler.MaxConstraintChecks} most likely tokens", result.StopReason);
        Assert.Equal(Sampler.MaxConstraintChecks, engine.Metrics.ConstraintRejections);
    }

    [Fact]
    public async Task CompletedConstraint_EndsWithStopAndCutsTheTextWhereTheBlockClosed()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var plain = await EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, "def f(x):\n", 12, null)])[0]);
        var cut = await EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, "def f(x):\n", 12, new FakeConstraint(allow: true, completeAfter: 5))])[0]);
        Assert.Equal(plain.Text[..5], cut.Text);
        Assert.Equal("stop", cut.Finish);
        Assert.True(cut.Tokens.Count < plain.Tokens.Count);
    }

    // Allows everything or nothing; optionally "completes" once the generated text reaches a length.
    private sealed class FakeConstraint(bool allow, int? completeAfter) : ISyntaxConstraint
    {
        public string Name => "fake";

        public IPrefixChecker Begin(string context) => new Checker(context, allow, completeAfter);

        private sealed class Checker(string context, bool allow, int? completeAfter) : IPrefixChecker
        {
            private readonly int _contextLength = context.Length;
            private string _text = context;

            public string Text => _text;

            public int? CompletedAt => completeAfter is int n && _text.Length - _contextLength >= n ? _contextLength + n : null;

            public PrefixVerdict Check(string next) => allow ? PrefixVerdict.Ok : PrefixVerdict.Reject("fake: nothing is allowed");

            public void Append(string text) => _text += text;

            public void Truncate(int length) => _text = _text[..Math.Max(length, _contextLength)];
        }
    }
}
