using System.Text.Json.Nodes;
using CodeGen.Model.Layers;
using CodeGen.Model.Lora;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Lora;

public sealed class PeftAdapterTests : IDisposable
{
    private const int Rank = 4;
    private const double Alpha = 8;
    private static readonly string[] Targets = ["q_proj", "v_proj", "down_proj"];

    private readonly string _dir = Directory.CreateTempSubdirectory("codegen-peft-").FullName;
    private readonly ModelConfig _config = TinyModels.Qwen2Config();
    private readonly long[,] _ids = { { 5, 17, 3, 42, 8, 91, 0, 23 }, { 1, 2, 3, 4, 5, 6, 7, 8 } };

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ApplyTo_MergedPeftAdapter_LogitsEqualUnmergedLoraOnACopy()
    {
        Dictionary<string, LoraFactors> factors = RandomFactors(seed: 7);
        PeftAdapter.Save(_dir, Config(), factors);
        using CausalLM merged = TinyModels.Random(_config);
        using CausalLM reference = TinyModels.Random(_config);
        using CausalLM baseModel = TinyModels.Random(_config);
        foreach ((string module, LoraFactors f) in factors)
            FindLinear(reference, module).AttachLora(f.A.clone(), f.B.clone(), Alpha, trainable: false);

        using (PeftAdapter adapter = PeftAdapter.Load(_dir)) adapter.ApplyTo(merged, merge: true);

        using Tensor ids = tensor(_ids);
        using Tensor actual = merged.Forward(ids);
        using Tensor expected = reference.Forward(ids);
        using Tensor unadapted = baseModel.Forward(ids);
        Assert.Equal([2L, 8L, 97L], actual.shape);
        Assert.True(actual.sub(expected).abs().max().item<float>() < 1e-5f);
        Assert.True(actual.sub(unadapted).abs().max().item<float>() > 1e-2f); // the adapter changes the output
        // Merged means detached: the model's weights are exactly the checkpoint's names again.
        Assert.Equal(baseModel.NamedWeights().Select(w => w.Key), merged.NamedWeights().Select(w => w.Key));
        Assert.DoesNotContain(merged.named_modules(), m => m.module is Linear { HasLora: true });
        DisposeAll(factors);
    }

    [Fact]
    public void ApplyTo_Merged_QProjEqualsHandComputedLoraAtOneLayer()
    {
        Dictionary<string, LoraFactors> factors = RandomFactors(seed: 11);
        PeftAdapter.Save(_dir, Config(), factors);
        using CausalLM model = TinyModels.Random(_config);
        Linear q = model.Body.Layers[1].SelfAttention.QProj;
        using Tensor w = q.Weight.detach().clone(); // (out, in)
        using Tensor bias = q.Bias!.detach().clone(); // (out)

        using (PeftAdapter adapter = PeftAdapter.Load(_dir)) adapter.ApplyTo(model, merge: true);

        manual_seed(3);
        using Tensor x = randn(2, 5, 32); // (B, T, in)
        LoraFactors f = factors["model.layers.1.self_attn.q_proj"];
        // y = x Wᵀ + b + (alpha / r) · x Aᵀ Bᵀ
        using Tensor expected = x.matmul(w.t()).add(bias).add(x.matmul(f.A.t()).matmul(f.B.t()).mul(Alpha / Rank));
        using Tensor actual = q.Forward(x);
        Assert.True(actual.sub(expected).abs().max().item<float>() < 1e-5f);
        DisposeAll(factors);
    }

    [Fact]
    public void ApplyTo_Unmerged_AttachesFactorsAndMatchesMerged()
    {
        Dictionary<string, LoraFactors> factors = RandomFactors(seed: 5);
        PeftAdapter.Save(_dir, Config(), factors);
        using CausalLM unmerged = TinyModels.Random(_config);
        using CausalLM merged = TinyModels.Random(_config);
        using (PeftAdapter adapter = PeftAdapter.Load(_dir))
        {
            adapter.ApplyTo(unmerged, merge: false);
            adapter.ApplyTo(merged, merge: true);
        }

        Assert.All(factors.Keys, module => Assert.True(FindLinear(unmerged, module).HasLora));
        Assert.Equal(6, unmerged.named_modules().Select(m => m.module).OfType<Linear>().Distinct().Count(l => l.HasLora));
        Assert.Equal(12, unmerged.NamedWeights().Count(w => w.Key.Contains(".lora_", StringComparison.Ordinal)));
        using Tensor ids = tensor(_ids);
        using Tensor a = unmerged.Forward(ids);
        using Tensor b = merged.Forward(ids);
        Assert.True(a.sub(b).abs().max().item<float>() < 1e-5f);
        DisposeAll(factors);
    }

    [Fact]
    public void Load_UseRsLora_ScalesByAlphaOverSqrtRank()
    {
        Dictionary<string, LoraFactors> factors = RandomFactors(seed: 9);
        PeftAdapter.Save(_dir, Config() with { UseRsLora = true }, factors);
        using CausalLM model = TinyModels.Random(_config);
        Linear v = model.Body.Layers[0].SelfAttention.VProj;
        using Tensor w = v.Weight.detach().clone();

        using PeftAdapter adapter = PeftAdapter.Load(_dir);
        adapter.ApplyTo(model, merge: true);

        Assert.True(adapter.Config.UseRsLora);
        Assert.Equal(4.0, adapter.Config.Scale); // 8 / √4, not 8 / 4
        LoraFactors f = factors["model.layers.0.self_attn.v_proj"];
        using Tensor expected = w.add(f.B.matmul(f.A).mul(4.0)); // W + (alpha / √r) · B A
        Assert.True(v.Weight.sub(expected).abs().max().item<float>() < 1e-6f);
        DisposeAll(factors);
    }

    [Fact]
    public void Load_OlderDefaultKeysAndRegexTargets_AppliesLikeCurrentForm()
    {
        manual_seed(13);
        using Tensor a = randn(Rank, 32).mul(0.1); // (r, in)
        using Tensor b = randn(16, Rank).mul(0.1); // (out, r)
        SafeTensorsWriter.Write(Path.Combine(_dir, "adapter_model.safetensors"), [
            new("base_model.model.model.layers.0.self_attn.v_proj.lora_A.default.weight", a),
            new("base_model.model.model.layers.0.self_attn.v_proj.lora_B.default.weight", b)]);
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"),
            """{"peft_type": "LORA", "r": 4, "lora_alpha": 8, "target_modules": "model\\.layers\\.\\d+\\.self_attn\\.(q|v)_proj", "bias": "none"}""");
        using CausalLM model = TinyModels.Random(_config);
        using Tensor w = model.Body.Layers[0].SelfAttention.VProj.Weight.detach().clone();

        using PeftAdapter adapter = PeftAdapter.Load(_dir);
        adapter.ApplyTo(model, merge: true);

        Assert.Equal(["model.layers.0.self_attn.v_proj"], adapter.Modules);
        using Tensor expected = w.add(b.matmul(a).mul(2.0));
        Assert.True(model.Body.Layers[0].SelfAttention.VProj.Weight.sub(expected).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void Save_FromModelWithAttachedLora_WritesPeftKeysAndConfig()
    {
        using CausalLM model = TinyModels.Random(_config);
        Dictionary<string, LoraFactors> factors = RandomFactors(seed: 17);
        foreach ((string module, LoraFactors f) in factors) FindLinear(model, module).AttachLora(f.A.clone(), f.B.clone(), Alpha, trainable: true);

        PeftAdapter.Save(_dir, Config(), model);

        using (SafeTensorsFile file = SafeTensorsFile.Open(Path.Combine(_dir, "adapter_model.safetensors")))
        {
            Assert.Equal(12, file.Tensors.Count); // 2 layers × 3 modules × (A, B)
            Assert.Equal([4L, 64L], file.Tensors["base_model.model.model.layers.1.mlp.down_proj.lora_A.weight"].Shape);
            Assert.Equal([32L, 4L], file.Tensors["base_model.model.model.layers.1.mlp.down_proj.lora_B.weight"].Shape);
        }
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(_dir, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal(4, (int)json["r"]!);
        Assert.Equal(8.0, (double)json["lora_alpha"]!);
        Assert.Equal(Targets, json["target_modules"]!.AsArray().Select(n => (string)n!));
        Assert.False((bool)json["fan_in_fan_out"]!);
        using PeftAdapter adapter = PeftAdapter.Load(_dir);
        Assert.Equal(factors.Keys.Order(StringComparer.Ordinal), adapter.Modules);
        DisposeAll(factors);
    }

    [Fact]
    public void ApplyTo_ModuleTheModelLacks_NamesFileTensorAndModule()
    {
        using Tensor a = zeros(Rank, 32), b = zeros(32, Rank);
        PeftAdapter.Save(_dir, Config(), new Dictionary<string, LoraFactors> { ["model.layers.5.self_attn.q_proj"] = new(a, b) });
        using CausalLM model = TinyModels.Random(_config);
        using PeftAdapter adapter = PeftAdapter.Load(_dir);

        var e = Assert.Throws<ModelLoadException>(() => adapter.ApplyTo(model, merge: true));

        Assert.Equal(
            $"{_dir}/adapter_model.safetensors: tensor 'base_model.model.model.layers.5.self_attn.q_proj.lora_A.weight' is for module 'model.layers.5.self_attn.q_proj', which the model does not have",
            e.Message);
    }

    [Fact]
    public void ApplyTo_WrongShape_NamesExpectedAndActualAndLeavesModelUnchanged()
    {
        using Tensor a = zeros(Rank, 31), b = zeros(32, Rank), goodA = ones(Rank, 64), goodB = ones(32, Rank);
        PeftAdapter.Save(_dir, Config(), new Dictionary<string, LoraFactors>
        {
            ["model.layers.0.mlp.down_proj"] = new(goodA, goodB),
            ["model.layers.0.self_attn.q_proj"] = new(a, b),
        });
        using CausalLM model = TinyModels.Random(_config);
        using Tensor before = model.Body.Layers[0].Mlp.DownProj.Weight.detach().clone();
        using PeftAdapter adapter = PeftAdapter.Load(_dir);

        var e = Assert.Throws<ModelLoadException>(() => adapter.ApplyTo(model, merge: true));

        Assert.Equal(
            $"{_dir}/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [4, 31]; expected [4, 32]",
            e.Message);
        Assert.True(model.Body.Layers[0].Mlp.DownProj.Weight.eq(before).all().item<bool>()); // checked before anything was merged
    }

    [Fact]
    public void Load_RankOtherThanConfigR_NamesTensor()
    {
        using Tensor a = zeros(8, 32), b = zeros(32, 8);
        SafeTensorsWriter.Write(Path.Combine(_dir, "adapter_model.safetensors"), [
            new("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", a),
            new("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", b)]);
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"), Config().ToJson());

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal(
            $"{_dir}/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight' has shape [8, 32]; expected [4, in] (r=4 in adapter_config.json)",
            e.Message);
    }

    [Fact]
    public void Load_FanInFanOut_Rejected()
    {
        WriteConfigWith("fan_in_fan_out", true);

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal($"{_dir}/adapter_config.json: fan_in_fan_out=true is not supported (LoRA weights must be stored as A (r, in), B (out, r))", e.Message);
    }

    [Fact]
    public void Load_BiasAll_Rejected()
    {
        WriteConfigWith("bias", "all");

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal($"{_dir}/adapter_config.json: bias 'all' is not supported (only 'none')", e.Message);
    }

    [Fact]
    public void Load_PeftTypeOtherThanLora_Rejected()
    {
        WriteConfigWith("peft_type", "IA3");

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal($"{_dir}/adapter_config.json: peft_type 'IA3' is not supported (only LORA)", e.Message);
    }

    [Fact]
    public void Load_MissingWeightsFile_NamesPath()
    {
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"), Config().ToJson());

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal($"Adapter weights not found: {_dir}/adapter_model.safetensors", e.Message);
    }

    [Fact]
    public void Load_MissingConfig_NamesPath()
    {
        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal($"Adapter config not found: {_dir}/adapter_config.json", e.Message);
    }

    [Fact]
    public void Load_TensorOutsideTargetModules_NamesTensorAndTargets()
    {
        using Tensor a = zeros(Rank, 32), b = zeros(32, Rank);
        SafeTensorsWriter.Write(Path.Combine(_dir, "adapter_model.safetensors"), [
            new("base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight", a),
            new("base_model.model.model.layers.0.self_attn.o_proj.lora_B.weight", b)]);
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"), Config().ToJson());

        var e = Assert.Throws<ModelLoadException>(() => PeftAdapter.Load(_dir));

        Assert.Equal(
            $"{_dir}/adapter_model.safetensors: tensor 'base_model.model.model.layers.0.self_attn.o_proj.lora_A.weight' is for module 'model.layers.0.self_attn.o_proj', which target_modules [q_proj, v_proj, down_proj] does not select",
            e.Message);
    }

    private static PeftAdapterConfig Config() => new() { Rank = Rank, Alpha = Alpha, TargetModules = Targets };

    // A and B both random (PEFT initialises B to zero; a trained adapter has both non-zero).
    private Dictionary<string, LoraFactors> RandomFactors(long seed)
    {
        manual_seed(seed);
        var factors = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        for (int layer = 0; layer < _config.NumHiddenLayers; layer++)
        {
            factors[$"model.layers.{layer}.self_attn.q_proj"] = new(randn(Rank, 32).mul(0.2), randn(32, Rank).mul(0.2));
            factors[$"model.layers.{layer}.self_attn.v_proj"] = new(randn(Rank, 32).mul(0.2), randn(16, Rank).mul(0.2));
            factors[$"model.layers.{layer}.mlp.down_proj"] = new(randn(Rank, 64).mul(0.2), randn(32, Rank).mul(0.2));
        }
        return factors;
    }

    private void WriteConfigWith(string key, JsonNode value)
    {
        var json = JsonNode.Parse(Config().ToJson())!.AsObject();
        json[key] = value;
        File.WriteAllText(Path.Combine(_dir, "adapter_config.json"), json.ToJsonString());
    }

    private static Linear FindLinear(CausalLM model, string path) =>
        (Linear)model.named_modules().Single(m => m.name == path).module;

    private static void DisposeAll(Dictionary<string, LoraFactors> factors)
    {
        foreach (LoraFactors f in factors.Values)
        {
            f.A.Dispose();
            f.B.Dispose();
        }
    }
}
