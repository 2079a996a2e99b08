using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.TestUtils;
using CodeGen.Training.Checkpoints;
using CodeGen.Training.Data;
using CodeGen.Training.Pretraining;
using CodeGen.Training.Tests.Data;

namespace CodeGen.Training.Tests.Pretraining;

public sealed class PretrainerResumeTests : IDisposable
{
    private const int Steps = 400;
    private const int CompareThrough = 60;
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-pretrain-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string MakeShards()
    {
        string corpus = Path.Combine(_root, "corpus.jsonl");
        var options = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        File.WriteAllLines(corpus, Enumerable.Range(1, 30).Select(seed =>
        {
            string text = SampleCode.Generate(seed);
            return JsonSerializer.Serialize(new CorpusDocument($"f{seed}.py", "python", "test", "MIT", "", text), options);
        }));
        string shards = Path.Combine(_root, "shards");
        ShardWriter.Write(CorpusJsonl.Read(corpus), Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"),
            new ShardWriter.Options(SeqLen: 48, FimRate: 0.5, FimSpmRate: 0.5, ValidationFraction: 0.1, Seed: 3), shards);
        return shards;
    }

    private PretrainOptions Options(string data, string output) => new()
    {
        Data = data,
        Output = output,
        Hidden = 64,
        Layers = 2,
        Heads = 4,
        KvHeads = 2,
        Intermediate = 128,
        Steps = Steps,
        BatchSize = 8,
        Warmup = 10,
        EvalEvery = 20,
        EvalBatches = 2,
        CheckpointEvery = 10,
        Threads = 1,
        Seed = 5,
    };

    private static string[] CliArguments(PretrainOptions o) =>
    [
        "pretrain", "--data", o.Data, "--output", o.Output, "--hidden", $"{o.Hidden}", "--layers", $"{o.Layers}", "--heads", $"{o.Heads}",
        "--kv-heads", $"{o.KvHeads}", "--intermediate", $"{o.Intermediate}", "--steps", $"{o.Steps}", "--batch-size", $"{o.BatchSize}",
        "--warmup", $"{o.Warmup}", "--eval-every", $"{o.EvalEvery}", "--eval-batches", $"{o.EvalBatches}",
        "--checkpoint-every", $"{o.CheckpointEvery}", "--threads", $"{o.Threads}", "--seed", $"{o.Seed}",
    ];

    private static Dictionary<int, JsonNode> Metrics(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToDictionary(n => n["step"]!.GetValue<int>());

    [Fact]
    public void Resume_AfterKill9MidRun_SameLossAtEveryStepAsUninterruptedRun()
    {
        string data = MakeShards();

        // Reference: an uninterrupted run of the same schedule, stopped after CompareThrough steps.
        string reference = Path.Combine(_root, "reference");
        new Pretrainer(Options(data, reference) with { StopAfter = CompareThrough }, TextWriter.Null).Run(resume: false);

        // A separate process, killed with SIGKILL once it has written the checkpoint of step 30.
        string killed = Path.Combine(_root, "killed");
        PretrainOptions options = Options(data, killed);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "CodeGen.Training.dll"));
        foreach (string argument in CliArguments(options)) start.ArgumentList.Add(argument);
        using (Process process = Process.Start(start)!)
        {
            process.StandardOutput.ReadToEndAsync();
            process.StandardError.ReadToEndAsync();
            string marker = Path.Combine(killed, "checkpoints", "step-0000030", "state.json");
            var watch = Stopwatch.StartNew();
            while (!File.Exists(marker) && !process.HasExited && watch.Elapsed < TimeSpan.FromMinutes(3)) Thread.Sleep(10);
            Assert.False(process.HasExited, "the training process ended before it could be killed");
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        string latest = new CheckpointStore(killed).Latest()!;
        int resumedAt = CheckpointStore.ReadState(latest).Step;
        Assert.InRange(resumedAt, 30, CompareThrough - 10);

        new Pretrainer(options with { StopAfter = CompareThrough - resumedAt }, TextWriter.Null).Run(resume: true);

        Dictionary<int, JsonNode> expected = Metrics(reference), actual = Metrics(killed);
        Assert.Equal(Enumerable.Range(1, CompareThrough), actual.Keys.Order());
        for (int step = 1; step <= CompareThrough; step++)
        {
            double want = expected[step]["loss"]!.GetValue<double>(), got = actual[step]["loss"]!.GetValue<double>();
            Assert.True(Math.Abs(want - got) <= 1e-5, $"step {step}: loss {got} after resume, {want} uninterrupted");
        }
        Assert.Equal(expected[CompareThrough - 0]["val_loss"]?.GetValue<double>() ?? double.NaN,
            actual[CompareThrough]["val_loss"]?.GetValue<double>() ?? double.NaN, 5);
        Assert.True(expected[CompareThrough]["loss"]!.GetValue<double>() < expected[1]["loss"]!.GetValue<double>() - 1.0, "the loss should fall");
    }

    [Fact]
    public void Run_ToTheLastStep_ExportsALoadableModelDirectory()
    {
        string data = MakeShards();
        string run = Path.Combine(_root, "short");
        new Pretrainer(Options(data, run) with { Steps = 12, Warmup = 2, CheckpointEvery = 5 }, TextWriter.Null).Run(resume: false);
        string model = Path.Combine(run, "model");
        foreach (string file in new[] { "config.json", "model.safetensors", "tokenizer.json", "generation_config.json" })
            Assert.True(File.Exists(Path.Combine(model, file)), $"{file} missing");
        using var loaded = CausalLM.Load(model, TorchSharp.torch.float32, TorchSharp.torch.CPU);
        Assert.Equal(1024, loaded.Config.VocabSize);
        Assert.Equal([1018], loaded.Config.EosTokenIds); // <|endoftext|> of the fixture tokenizer
        Assert.Equal(["step-0000010", "step-0000012"], Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName).Order());
        Assert.Equal(12, File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Length);

        // 'training export' of the newest checkpoint writes the same weights.
        string exported = Path.Combine(_root, "exported");
        Assert.Equal(12, CheckpointExporter.Export(run, exported).Step);
        Assert.Equal(File.ReadAllBytes(Path.Combine(model, "model.safetensors")), File.ReadAllBytes(Path.Combine(exported, "model.safetensors")));
    }

    [Fact]
    public void Resume_WithoutStopAfter_RunsToTheLastStepAndExports()
    {
        string data = MakeShards();
        string run = Path.Combine(_root, "resumed");
        PretrainOptions options = Options(data, run) with { Steps = 12, Warmup = 2, CheckpointEvery = 5 };
        new Pretrainer(options with { StopAfter = 5 }, TextWriter.Null).Run(resume: false);

        new Pretrainer(options, TextWriter.Null).Run(resume: true);

        Assert.Equal(Enumerable.Range(1, 12), Metrics(run).Keys.Order());
        Assert.True(File.Exists(Path.Combine(run, "model", "model.safetensors")), "the resumed run did not export");
    }

    [Fact]
    public void Schedule_WarmupThenCosine_HandComputedPoints()
    {
        var schedule = new LearningRateSchedule(1e-3, 1e-4, WarmupSteps: 10, TotalSteps: 110);
        Assert.Equal(1e-4, schedule.At(0), 12);
        Assert.Equal(1e-3, schedule.At(9), 12);
        Assert.Equal(1e-3, schedule.At(10), 12);
        Assert.Equal(1e-4 + 0.5 * 9e-4 * (1 + Math.Cos(Math.PI * 49 / 99.0)), schedule.At(59), 12);
        Assert.Equal(1e-4, schedule.At(109), 12);
    }
}
