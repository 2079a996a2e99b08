using CodeGen.Model;
using CodeGen.Model.Lora;
using CodeGen.Model.Weights;
using CodeGen.Training.Distributed;
using CodeGen.Training.Lora;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Lora;

public sealed class LoraTrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-lora-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string Output(string name) => Path.Combine(_root, name);

    [Fact]
    public void Run_StoppedThenResumed_SameAdapterBitForBitAsUninterrupted()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions whole = LoraFixture.Options(baseDir, data, Output("whole")) with { Dropout = 0.1 };
        new LoraTrainer(whole, new SingleProcess(), TextWriter.Null).Run(resume: false);

        LoraOptions parts = whole with { Output = Output("parts") };
        new LoraTrainer(parts with { StopAfter = 3 }, new SingleProcess(), TextWriter.Null).Run(resume: false);
        Assert.False(File.Exists(Path.Combine(parts.Output, PeftAdapter.WeightsFileName))); // not finished: checkpoints only
        new LoraTrainer(parts, new SingleProcess(), TextWriter.Null).Run(resume: true);

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole.Output, PeftAdapter.WeightsFileName)), File.ReadAllBytes(Path.Combine(parts.Output, PeftAdapter.WeightsFileName)));
        Assert.Equal(LoraFixture.Losses(whole.Output), LoraFixture.Losses(parts.Output));
        Assert.Equal(6, LoraFixture.Losses(parts.Output).Length);
    }

    [Fact]
    public void Run_ResumeWithOtherRank_RefusedNamingTheCheckpoint()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions options = LoraFixture.Options(baseDir, data, Output("run")) with { StopAfter = 2 };
        new LoraTrainer(options, new SingleProcess(), TextWriter.Null).Run(resume: false);
        var error = Assert.Throws<ArgumentException>(() => new LoraTrainer(options with { Rank = 8 }, new SingleProcess(), TextWriter.Null).Run(resume: true));
        Assert.Contains("step-0000002 was written with other training options", error.Message);
    }

    [Fact]
    public void Run_TwoWorkersWithHalfTheBatchEach_SameLossesAsOneWorker()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        // Accumulation over two micro-batches and completions of different lengths: the loss must be the mean over the
        // step's target tokens however they are spread over workers.
        LoraOptions one = LoraFixture.Options(baseDir, data, Output("one")) with { GradAccum = 2, Steps = 5, EvalEvery = 0 };
        LoraTrainer.Result single = new LoraTrainer(one, new SingleProcess(), TextWriter.Null).Run(resume: false);

        var job = new InProcessWorkers(2);
        LoraTrainer.Result[] results = job.Run(worker => new LoraTrainer(one with { Output = Output("two") }, worker, TextWriter.Null).Run(resume: false));

        Assert.Equal(5, single.Losses.Count);
        foreach (LoraTrainer.Result result in results)
        {
            Assert.Equal(single.Losses.Count, result.Losses.Count);
            for (int i = 0; i < single.Losses.Count; i++) Assert.True(Math.Abs(single.Losses[i] - result.Losses[i]) < 1e-4, $"step {i + 1}: {single.Losses[i]} vs {result.Losses[i]}");
        }
        Assert.Equal(results[0].Losses, results[1].Losses); // the averaged loss is the same number on both workers
        Assert.Equal([5, 5], job.AverageCalls); // one collective per optimizer step, not per tensor or micro-batch
        Assert.True(single.Losses[^1] < single.Losses[0], string.Join(", ", single.Losses));

        using PeftAdapter a = PeftAdapter.Load(one.Output), b = PeftAdapter.Load(Output("two"));
        Assert.Equal(a.Modules, b.Modules);
    }

    [Fact]
    public void Run_WorkersDisagreeOnTheChecksum_FailsNamingTheStep()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions options = LoraFixture.Options(baseDir, data, Output("split")) with { ChecksumEvery = 2 };
        var error = Assert.Throws<InvalidOperationException>(() => new LoraTrainer(options, new DisagreeingWorker(), TextWriter.Null).Run(resume: false));
        Assert.StartsWith("after step 2 the adapter weights differ between workers", error.Message);
    }

    [Fact]
    public void Run_GradientCheckpointingWithDropout_SameLossesAndAdapterAsWithout()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions plain = LoraFixture.Options(baseDir, data, Output("plain")) with { Dropout = 0.2, Steps = 4 };
        LoraOptions recomputed = plain with { Output = Output("recomputed"), GradientCheckpointing = true };
        LoraTrainer.Result expected = new LoraTrainer(plain, new SingleProcess(), TextWriter.Null).Run(resume: false);
        LoraTrainer.Result actual = new LoraTrainer(recomputed, new SingleProcess(), TextWriter.Null).Run(resume: false);
        for (int i = 0; i < expected.Losses.Count; i++) Assert.True(Math.Abs(expected.Losses[i] - actual.Losses[i]) < 1e-5, $"step {i + 1}: {expected.Losses[i]} vs {actual.Losses[i]}");
        AssertAdaptersClose(plain.Output, recomputed.Output, 1e-5);
    }

    [Fact]
    public void Run_BaseHeldInBfloat16_AdapterStaysFloat32AndLossesNearFloat32()
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions f32 = LoraFixture.Options(baseDir, data, Output("f32")) with { Steps = 3 };
        LoraOptions bf16 = f32 with { Output = Output("bf16"), BaseDType = "bfloat16" };
        LoraTrainer.Result expected = new LoraTrainer(f32, new SingleProcess(), TextWriter.Null).Run(resume: false);
        LoraTrainer.Result actual = new LoraTrainer(bf16, new SingleProcess(), TextWriter.Null).Run(resume: false);
        for (int i = 0; i < expected.Losses.Count; i++) Assert.True(Math.Abs(expected.Losses[i] - actual.Losses[i]) < 0.05, $"step {i + 1}: {expected.Losses[i]} vs {actual.Losses[i]}");
        using SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(bf16.Output, PeftAdapter.WeightsFileName));
        Assert.All(file.Tensors.Values, info => Assert.Equal("F32", info.DType));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Save_ReadBackWithPeftAdapter_MergedAndUnmergedGiveTheTrainedModelsLogits(bool rsLora)
    {
        string baseDir = LoraFixture.Base(_root), data = LoraFixture.Pairs(_root);
        LoraOptions options = LoraFixture.Options(baseDir, data, Output("adapter")) with { RsLora = rsLora, Rank = 4, Alpha = 16 };
        using CausalLM trained = CausalLM.Load(baseDir, float32, CPU);
        LoraTrainer trainer = new(options, new SingleProcess(), TextWriter.Null);
        trainer.Run(trained, LoraData.Load(options, Model.Tokenization.BpeTokenizer.Load(Path.Combine(baseDir, "tokenizer.json"))), resume: false);

        // The files as PEFT writes them: keys, shapes, config fields.
        using (SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(options.Output, PeftAdapter.WeightsFileName)))
        {
            Assert.Equal([4, 32], file.Tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].Shape);
            Assert.Equal([32, 4], file.Tensors["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"].Shape);
            Assert.Equal([64, 4], file.Tensors["base_model.model.model.layers.1.mlp.up_proj.lora_B.weight"].Shape);
            Assert.Equal(2 * 7 * 2, file.Tensors.Count); // 2 layers × 7 modules × (A, B)
        }
        var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(options.Output, PeftAdapterConfig.FileName))).RootElement;
        Assert.Equal("LORA", json.GetProperty("peft_type").GetString());
        Assert.Equal("CAUSAL_LM", json.GetProperty("task_type").GetString());
        Assert.Equal(4, json.GetProperty("r").GetInt32());
        Assert.Equal(16, json.GetProperty("lora_alpha").GetDouble());
        Assert.Equal(rsLora, json.GetProperty("use_rslora").GetBoolean());
        Assert.Equal(baseDir, json.GetProperty("base_model_name_or_path").GetString());
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], json.GetProperty("target_modules").EnumerateArray().Select(e => e.GetString()));

        using Tensor ids = tensor(new long[] { 5, 17, 300, 42, 9, 800, 3, 77 }, [1, 8], int64);
        using Tensor expected = Logits(trained, ids);
        using PeftAdapter adapter = PeftAdapter.Load(options.Output);
        using CausalLM unmerged = CausalLM.Load(baseDir, float32, CPU), merged = CausalLM.Load(baseDir, float32, CPU), plain = CausalLM.Load(baseDir, float32, CPU);
        adapter.ApplyTo(unmerged, merge: false);
        adapter.ApplyTo(merged, merge: true);
        using Tensor fromUnmerged = Logits(unmerged, ids), fromMerged = Logits(merged, ids), fromBase = Logits(plain, ids);
        Assert.True(fromUnmerged.allclose(expected, rtol: 0, atol: 1e-5), $"unmerged differs by {(fromUnmerged - expected).abs().max().item<float>()}");
        Assert.True(fromMerged.allclose(expected, rtol: 0, atol: 1e-4), $"merged differs by {(fromMerged - expected).abs().max().item<float>()}");
        Assert.True((fromBase - expected).abs().max().item<float>() > 1e-2, "training did not change the model");
    }

    private static Tensor Logits(CausalLM model, Tensor ids)
    {
        using var noGrad = no_grad();
        model.eval();
        return model.Forward(ids);
    }

    private static void AssertAdaptersClose(string a, string b, double tolerance)
    {
        using SafeTensorsFile x = SafeTensorsFile.Open(Path.Combine(a, PeftAdapter.WeightsFileName)), y = SafeTensorsFile.Open(Path.Combine(b, PeftAdapter.WeightsFileName));
        Assert.Equal(x.Tensors.Keys.Order(), y.Tensors.Keys.Order());
        foreach (string key in x.Tensors.Keys)
        {
            using Tensor tx = x.Load(key), ty = y.Load(key);
            double difference = (tx - ty).abs().max().item<float>();
            Assert.True(difference < tolerance, $"{key} differs by {difference}");
        }
    }

    // A worker whose peers always report other weights.
    private sealed class DisagreeingWorker : IDataParallel
    {
        public int Rank => 0;

        public int Size => 1;

        public void AverageInPlace(float[] buffer)
        {
        }

        public bool AllEqual(ulong value) => false;

        public void Barrier()
        {
        }

        public void Dispose()
        {
        }
    }
}
