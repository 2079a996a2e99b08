using System.Text.Json;
using CodeGen.Model.Lora;
using CodeGen.TestUtils;

namespace CodeGen.Training.Tests.Lora;

public sealed class LoraCommandTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-lora-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>
    /// The value of fine-tuning, in small: the bundled model, this repository's own C# sources of training/Data split by
    /// file into training and held-out files, 20 steps; the held-out loss must fall. (docs/TRAINING.md has the full run.)
    /// </summary>
    [Fact]
    public void Invoke_BundledModelOnThisRepositorysCSharpSplitByFile_LowersHeldOutLoss()
    {
        string sources = Path.GetDirectoryName(Fixtures.FindAbove(Path.Combine("training", "Data", "CorpusBuilder.cs"))
            ?? throw new InvalidOperationException("training/Data/CorpusBuilder.cs not found above the test directory"))!;
        string output = Path.Combine(_root, "run");
        (int exit, string log, string error) = MergeCommandTests.Invoke(
            "lora", "--base", Fixtures.BundledModel, "--data", sources, "--extensions", ".cs", "--output", output, "--steps", "20", "--seq-len", "64",
            "--batch-size", "4", "--lr", "3e-3", "--warmup", "2", "--eval-every", "0", "--val-fraction", "0.2", "--eval-sequences", "24", "--threads", "1");
        Assert.True(exit == 0, error + log);

        JsonElement run = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "run.json"))).RootElement;
        double before = run.GetProperty("val_loss_initial").GetDouble(), after = run.GetProperty("val_loss_final").GetDouble();
        Assert.True(after < before - 0.03, $"held-out loss {before:F4} -> {after:F4}\n{log}");
        Assert.Contains("held out)", run.GetProperty("data").GetString());
        Assert.Equal(20, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length);
        using PeftAdapter adapter = PeftAdapter.Load(output);
        Assert.Equal(6 * 7, adapter.Modules.Count);
    }

    [Fact]
    public void Invoke_MetricsLines_HaveTheDashboardsFields()
    {
        string baseDir = LoraFixture.Base(_root), output = Path.Combine(_root, "m");
        (int exit, string log, string error) = MergeCommandTests.Invoke(
            "lora", "--base", baseDir, "--data", LoraFixture.Pairs(_root), "--output", output, "--steps", "4", "--eval-every", "2",
            "--seq-len", "48", "--batch-size", "2", "--target-modules", "q,v", "--rank", "2", "--threads", "1");
        Assert.True(exit == 0, error + log);
        string[] lines = File.ReadAllLines(Path.Combine(output, "metrics.jsonl"));
        Assert.Equal(4, lines.Length);
        for (int i = 0; i < lines.Length; i++)
        {
            JsonElement line = JsonDocument.Parse(lines[i]).RootElement;
            Assert.Equal(i + 1, line.GetProperty("step").GetInt32());
            foreach (string field in new[] { "loss", "lr", "tokens_per_s", "tokens", "elapsed_s" }) Assert.True(line.GetProperty(field).GetDouble() > 0, field);
            Assert.Equal(i % 2 == 1, line.TryGetProperty("val_loss", out _));
        }
        using PeftAdapter adapter = PeftAdapter.Load(output);
        Assert.Equal(["q_proj", "v_proj"], adapter.Config.TargetModules);
        Assert.Equal(4, adapter.Modules.Count);
        Assert.Contains("step 4/4 loss", log);
    }

    [Theory]
    [InlineData("--batch-size", "0", "--batch-size must be at least 1, got 0")]
    [InlineData("--base-dtype", "float16", "--base-dtype must be float32 or bfloat16, got 'float16'")]
    [InlineData("--dropout", "1", "--dropout must be in [0, 1), got 1")]
    [InlineData("--target-modules", "q,wq", "--target-modules: wq names no linear module of")]
    public void Invoke_BadOption_ExitOneNamingTheFlag(string flag, string value, string expected)
    {
        string baseDir = LoraFixture.Base(_root);
        (int exit, _, string error) = MergeCommandTests.Invoke(
            "lora", "--base", baseDir, "--data", LoraFixture.Pairs(_root), "--output", Path.Combine(_root, "x"), "--steps", "1", flag, value);
        Assert.Equal(1, exit);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void Invoke_BaseWithoutConfig_ExitOneNamingIt()
    {
        (int exit, _, string error) = MergeCommandTests.Invoke(
            "lora", "--base", _root, "--data", LoraFixture.Pairs(_root), "--output", Path.Combine(_root, "x"), "--steps", "1");
        Assert.Equal(1, exit);
        Assert.Equal($"--base {_root}: not a model directory (no config.json)", error);
    }
}
