using CodeGen.Model.Caching;
using CodeGen.Model.Layers;
using CodeGen.Model.Lora;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Model.Tests.Lora;

/// <summary>Adapters held unmerged in slots and applied per sequence of one packed forward (serving side by side).</summary>
public sealed class MultiAdapterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("codegen-multi-lora-").FullName;
    private readonly ModelConfig _config = TinyModels.Qwen2Config(); // GQA, q/k/v bias, untied head

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Forward_MixedAdapterBatch_EachSequenceEqualsItsMergedModel()
    {
        // A adapts attention inputs, the MLP's down projection and the head; B the fused k part, o and the fused gate/up.
        string a = SaveAdapter("a", seed: 3, ["q_proj", "v_proj", "down_proj", "lm_head"]);
        string b = SaveAdapter("b", seed: 4, ["k_proj", "o_proj", "gate_proj", "up_proj"]);
        using CausalLM served = TinyModels.Random(_config);
        using CausalLM mergedA = Merged(a);
        using CausalLM mergedB = Merged(b);
        using CausalLM baseModel = TinyModels.Random(_config);
        using (PeftAdapter adapter = PeftAdapter.Load(a)) Assert.Equal(1, adapter.AddTo(served));
        using (PeftAdapter adapter = PeftAdapter.Load(b)) Assert.Equal(2, adapter.AddTo(served));
        Assert.Equal(2, served.AdapterSlots);

        // Order A, base, B, A: slot 1's rows are not consecutive (gathered), slot 2's are (a view).
        int[][] prompts = [[5, 17, 3, 42, 8, 91], [1, 2, 3, 4, 5, 6, 7], [9, 9, 30, 60], [5, 17, 3, 42, 8, 91]];
        int[] slots = [1, 0, 2, 1];
        CausalLM[] references = [mergedA, baseModel, mergedB, mergedA];
        using PagedKvCache cache = served.CreateCache(16, 4);
        int[][] tables = [[0, 1], [2, 3], [4, 5], [6, 7]];
        using (no_grad())
        {
            var steps = prompts.Select((p, i) => new SequenceStep(p, 0, tables[i], p.Length, slots[i])).ToArray();
            using Tensor logits = served.Forward(steps, cache); // (Σ lengths, vocab)
            int row = 0;
            for (int i = 0; i < prompts.Length; i++)
            {
                using Tensor ids = tensor(prompts[i].Select(t => (long)t).ToArray(), [1, prompts[i].Length], int64);
                using Tensor expected = references[i].Forward(ids)[0]; // (T, vocab)
                using Tensor actual = logits.narrow(0, row, prompts[i].Length);
                Assert.True(actual.sub(expected).abs().max().item<float>() < 1e-4f, $"sequence {i} (slot {slots[i]}) differs from its merged model");
                row += prompts[i].Length;
            }

            // One decode token each: the one-gather attention path, logit rows routed to the head's adapter.
            int[] next = [11, 12, 13, 14];
            var decode = prompts.Select((p, i) => new SequenceStep([next[i]], p.Length, tables[i], 1, slots[i])).ToArray();
            using Tensor decoded = served.Forward(decode, cache); // (4, vocab)
            for (int i = 0; i < prompts.Length; i++)
            {
                long[] full = [.. prompts[i].Select(t => (long)t), next[i]];
                using Tensor ids = tensor(full, [1, full.Length], int64);
                using Tensor expected = references[i].Forward(ids)[0, -1];
                Assert.True(decoded[i].sub(expected).abs().max().item<float>() < 1e-4f, $"decode of sequence {i} (slot {slots[i]}) differs");
            }
            // The adapters change what the base model gives.
            using Tensor baseLogits = baseModel.Forward(tensor(new long[] { 5, 17, 3, 42, 8, 91 }, [1, 6], int64))[0];
            Assert.True(logits.narrow(0, 0, 6).sub(baseLogits).abs().max().item<float>() > 1e-2f);
        }
    }

    [Fact]
    public void Forward_SlotTheModelDoesNotHold_NamesIt()
    {
        using CausalLM model = TinyModels.Random(_config);
        using (PeftAdapter adapter = PeftAdapter.Load(SaveAdapter("a", seed: 3, ["q_proj"]))) adapter.AddTo(model);
        using PagedKvCache cache = model.CreateCache(2, 4);
        var e = Assert.Throws<ArgumentException>(() => model.Forward([new SequenceStep([1, 2], 0, [0], 1, Adapter: 2)], cache));
        Assert.Equal("Sequence 0 asks for adapter slot 2; the model holds 1 (0 is the base model)", e.Message);
    }

    [Fact]
    public void AddTo_KeepsWeightsAndParameterNames_BaseRowsUnchanged()
    {
        using CausalLM model = TinyModels.Random(_config);
        using CausalLM reference = TinyModels.Random(_config);
        using (PeftAdapter adapter = PeftAdapter.Load(SaveAdapter("a", seed: 5, ["q_proj", "up_proj"]))) adapter.AddTo(model);
        // Unmerged and unregistered: saving the model writes exactly the base checkpoint.
        Assert.Equal(reference.NamedWeights().Select(w => w.Key), model.NamedWeights().Select(w => w.Key));
        Assert.DoesNotContain(model.named_modules(), m => m.module is Linear { HasLora: true });
        Assert.Equal([1], model.Body.Layers[0].SelfAttention.QProj.AdapterSlots);
        using Tensor ids = tensor(new long[] { 3, 1, 4, 1, 5 }, [1, 5], int64);
        using Tensor plain = model.Forward(ids); // the cacheless forward runs the base model
        using Tensor expected = reference.Forward(ids);
        Assert.True(plain.sub(expected).abs().max().item<float>() == 0f);
    }

    private string SaveAdapter(string name, long seed, string[] targets)
    {
        manual_seed(seed);
        var factors = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        using CausalLM shape = TinyModels.Random(_config);
        foreach ((string module, nn.Module m) in shape.named_modules())
        {
            // named_modules also lists modules under their backing fields' names ("<Layers>k__BackingField"): checkpoint names only.
            if (m is not Linear linear || module.Contains('<') || !targets.Any(t => module.EndsWith(t, StringComparison.Ordinal))) continue;
            factors[module] = new LoraFactors(randn(4, linear.InFeatures).mul(0.3), randn(linear.OutFeatures, 4).mul(0.3));
        }
        string directory = Path.Combine(_dir, name);
        PeftAdapter.Save(directory, new PeftAdapterConfig { Rank = 4, Alpha = 8, TargetModules = targets }, factors);
        foreach (LoraFactors f in factors.Values)
        {
            f.A.Dispose();
            f.B.Dispose();
        }
        return directory;
    }

    private CausalLM Merged(string adapterDirectory)
    {
        CausalLM model = TinyModels.Random(_config);
        using PeftAdapter adapter = PeftAdapter.Load(adapterDirectory);
        adapter.ApplyTo(model, merge: true);
        return model;
    }
}
