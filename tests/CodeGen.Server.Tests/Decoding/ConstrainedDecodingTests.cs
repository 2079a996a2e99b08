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
        SamplingOptions? sampling = null, SpeculativeMode speculative = SpeculativeMode.None, bool close = false) =>
        new("test", tokenizer.Encode(prompt), maxTokens, sampling ?? SamplingOptions.Greedy, [], [tokenizer.EndOfTextId!.Value], null)
        {
            Constraint = constraint is null ? null : new ConstraintRequest(constraint, prompt, close),
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
    public async Task Closing_BudgetRunsOut_CSharpCompletionsCloseTheMethodWithinMaxTokens()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var constraint = new CSharpSyntaxConstraint();
        var sampling = new SamplingOptions { Temperature = 0.8, TopP = 0.95 };
        List<string> prompts = CSharpPrompts(tokenizer, 4);
        const int MaxTokens = 24;
        var results = await Task.WhenAll(prompts.SelectMany((p, i) => Enumerable.Range(0, 3).Select(k =>
            EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, MaxTokens, constraint, sampling with { Seed = 10 * i + k }, close: true)])[0]))));
        int closedByBudget = 0;
        var withErrors = new List<string>();
        for (int j = 0; j < results.Length; j++)
        {
            var (tokens, text, finish, stopReason) = results[j];
            string prompt = prompts[j / 3];
            Assert.True(tokens.Count <= MaxTokens);
            Assert.Equal("stop", finish);
            // The method is finished: with the brace the completion stops at (MultiPL-E's tests begin with it), Roslyn
            // finds no syntax error in it.
            string method = prompt + text + "}";
            var errors = Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(method + "\n}", CSharpViability.ParseOptions).GetDiagnostics()
                .Where(d => d.Severity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error && d.Location.SourceSpan.Start < method.Length).ToList();
            if (errors.Count > 0) withErrors.Add($"{string.Join("; ", errors)}\n{text}");
            if (stopReason?.Contains("max_tokens", StringComparison.Ordinal) == true) closedByBudget++;
        }
        // A sampled text can hold an error the prefix rules let pass (a number that could still become a double, say):
        // the constraint then closes it all the same, and it does not parse. Nearly all must.
        Assert.True(withErrors.Count <= 2, $"{withErrors.Count} of {results.Length} do not parse:\n{string.Join("\n---\n", withErrors)}");
        // 24 tokens rarely finish a method by themselves: most completions were closed by the constraint.
        Assert.True(closedByBudget >= results.Length / 2, $"only {closedByBudget} of {results.Length} closed for the budget");
    }

    [Fact]
    public async Task Closing_BudgetRunsOut_PythonCompletionsEndFinished()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        var sampling = new SamplingOptions { Temperature = 0.8, TopP = 0.95 };
        List<string> prompts = HumanEvalPrompts(tokenizer, 4);
        var results = await Task.WhenAll(prompts.SelectMany((p, i) => Enumerable.Range(0, 3).Select(k =>
            EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, p, 24, new PythonSyntaxConstraint(), sampling with { Seed = 10 * i + k }, close: true)])[0]))));
        // Finished as the checker judges it: viable, and nothing left to close. (Whether Python accepts the closer's
        // work is CloserTests' question, on real code: a sampled completion can already be invalid in ways the
        // structural checker does not judge, docs/CONSTRAINTS.md.)
        for (int j = 0; j < results.Length; j++)
        {
            var constraint = new PythonSyntaxConstraint();
            Assert.Null(PrefixScan.Run(constraint, prompts[j / 3], results[j].Text).RejectedAt);
            IPrefixChecker checker = constraint.Begin(prompts[j / 3]);
            checker.Append(results[j].Text);
            Assert.True(checker.Closer() == "", $"not finished: [{results[j].Text}] still needs [{checker.Closer()}]");
            Assert.Equal("stop", results[j].Finish);
        }
        Assert.All(results, r => Assert.True(r.Tokens.Count <= 24));
        Assert.True(results.Count(r => r.StopReason?.Contains("max_tokens", StringComparison.Ordinal) == true) >= results.Length / 2);
    }

    [Fact]
    public async Task Closing_ModelEndsEarly_TheConstraintFinishesTheCodeInstead()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        string prompt = CSharpPrompts(tokenizer, 1)[0] + "        return Math.Max(1,";
        int eos = tokenizer.EndOfTextId!.Value;
        // The model is made to want EOS first of all: unconstrained it ends at once.
        var sampling = SamplingOptions.Greedy with { LogitBias = new Dictionary<int, float> { [eos] = 100f } };
        var plain = await EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, prompt, 40, null, sampling)])[0]);
        Assert.Empty(plain.Tokens);
        var closed = await EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, prompt, 40, new CSharpSyntaxConstraint(), sampling, close: true)])[0]);
        Assert.Equal("stop", closed.Finish);
        Assert.Contains("the model ended before the code was finished", closed.StopReason);
        Assert.StartsWith("default);", closed.Text);
        // Without closing (fill-in-the-middle), the model's EOS stands.
        var open = await EngineHarness.ReadTextAsync(engine.Submit([Job(tokenizer, prompt, 40, new CSharpSyntaxConstraint(), sampling)])[0]);
        Assert.Empty(open.Tokens);
    }

    [Fact]
    public async Task Closing_ConstraintAllowsNothing_WritesTheCloserInsteadOfEnding()
    {
        await using EngineHarness engine = await EngineHarness.StartAsync(Fixtures.BundledModel, Options);
        BpeTokenizer tokenizer = engine.Host.Tokenizer!;
        GenerationJob job = Job(tokenizer, "x = (1\n", 10, new FakeConstraint(allow: false, completeAfter: null, closer: ")\n"), close: true) with { StopTokenIds = [] };
        var result = await EngineHarness.ReadTextAsync(engine.Submit([job])[0]);
        Assert.Equal(")\n", result.Text);
        Assert.Equal("stop", result.Finish);
        Assert.Contains("no token the model offered was allowed", result.StopReason);
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
    private sealed class FakeConstraint(bool allow, int? completeAfter, string? closer = null) : ISyntaxConstraint
    {
        public string Name => "fake";

        public IPrefixChecker Begin(string context) => new Checker(context, allow, completeAfter, closer);

        private sealed class Checker(string context, bool allow, int? completeAfter, string? closer) : IPrefixChecker
        {
            private readonly int _contextLength = context.Length;
            private string _text = context;

            public string Text => _text;

            public int? CompletedAt => completeAfter is int n && _text.Length - _contextLength >= n ? _contextLength + n : null;

            public PrefixVerdict Check(string next) => allow ? PrefixVerdict.Ok : PrefixVerdict.Reject("fake: nothing is allowed");

            public void Append(string text) => _text += text;

            public void Truncate(int length) => _text = _text[..Math.Max(length, _contextLength)];

            // The closer, once: written, the text is finished.
            public string? Closer() => closer is null ? null : _text.EndsWith(closer, StringComparison.Ordinal) ? "" : closer;
        }
    }
}
