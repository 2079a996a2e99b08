using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.Model.Lora;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Engine;

/// <summary>
/// The servable tiny Llama with two PEFT adapters of it ("alpha": q, v, down; "beta": k, o, gate, up, so both fused
/// projections and the plain ones are exercised) and greedy references from the base model and from a copy with each
/// adapter merged into its weights (a full forward per token, no cache, no engine).
/// </summary>
public sealed class AdapterModels : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-adapters-").FullName;
    private readonly Dictionary<string, CausalLM> _merged = [];

    public AdapterModels()
    {
        Base = TinyModels.SaveServable(Path.Combine(_root, "base"));
        Alpha = SaveAdapter("alpha", seed: 31, ["q_proj", "v_proj", "down_proj"]);
        Beta = SaveAdapter("beta", seed: 32, ["k_proj", "o_proj", "gate_proj", "up_proj"]);
    }

    public string Base { get; }

    public string Alpha { get; }

    public string Beta { get; }

    /// <summary>Served as slots 1 (alpha) and 2 (beta).</summary>
    internal IReadOnlyList<AdapterSpec> Specs => [new("alpha", Alpha), new("beta", Beta)];

    /// <summary>The adapter directory of slot 1 or 2, null for the base model (slot 0).</summary>
    public string? DirectoryOf(int slot) => slot switch { 0 => null, 1 => Alpha, 2 => Beta, _ => throw new ArgumentOutOfRangeException(nameof(slot)) };

    /// <summary>A model directory (weights, config, tokenizer) of the base model with <paramref name="adapter"/> merged into its weights.</summary>
    public string SaveMerged(string adapter)
    {
        string directory = Path.Combine(_root, "merged-" + Path.GetFileName(adapter));
        if (Directory.Exists(directory)) return directory;
        using (CausalLM model = CausalLM.Load(Base, float32, CPU))
        using (PeftAdapter peft = PeftAdapter.Load(adapter))
        {
            peft.ApplyTo(model, merge: true);
            model.Save(directory);
        }
        File.Copy(Path.Combine(Base, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"));
        return directory;
    }

    /// <summary>Greedy continuation of <paramref name="prompt"/> by the base model with <paramref name="adapter"/> merged (null: none): ids and their log-probabilities.</summary>
    public (List<int> Ids, List<float> Logprobs) Reference(string? adapter, IReadOnlyList<int> prompt, int tokens, int? stopId = null)
    {
        lock (_merged)
        {
            string key = adapter ?? "";
            if (!_merged.TryGetValue(key, out CausalLM? model))
            {
                model = CausalLM.Load(Base, float32, CPU);
                if (adapter is not null)
                {
                    using PeftAdapter peft = PeftAdapter.Load(adapter);
                    peft.ApplyTo(model, merge: true);
                }
                _merged[key] = model;
            }
            var ids = new List<int>();
            var logprobs = new List<float>();
            var sequence = prompt.Select(t => (long)t).ToList();
            using (no_grad())
            {
                for (int i = 0; i < tokens; i++)
                {
                    using Tensor input = tensor(sequence.ToArray(), [1, sequence.Count], int64);
                    using Tensor logits = model.Forward(input);
                    using Tensor last = logits[0, -1].log_softmax(0);
                    int next = (int)last.argmax().item<long>();
                    if (next == stopId) break;
                    ids.Add(next);
                    logprobs.Add(last[next].item<float>());
                    sequence.Add(next);
                }
            }
            return (ids, logprobs);
        }
    }

    private string SaveAdapter(string name, long seed, string[] targets)
    {
        manual_seed(seed);
        var factors = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        using (CausalLM shape = CausalLM.Load(Base, float32, CPU))
        {
            foreach ((string module, nn.Module m) in shape.named_modules())
            {
                // named_modules also lists modules under their backing fields' names ("<Layers>k__BackingField"): checkpoint names only.
                if (m is not Linear linear || module.Contains('<') || !targets.Any(t => module.EndsWith("." + t, StringComparison.Ordinal))) continue;
                factors[module] = new LoraFactors(randn(4, linear.InFeatures).mul(0.4), randn(linear.OutFeatures, 4).mul(0.4));
            }
        }
        string directory = Path.Combine(_root, name);
        PeftAdapter.Save(directory, new PeftAdapterConfig { Rank = 4, Alpha = 8, TargetModules = targets }, factors);
        foreach (LoraFactors f in factors.Values)
        {
            f.A.Dispose();
            f.B.Dispose();
        }
        return directory;
    }

    public void Dispose()
    {
        foreach (CausalLM model in _merged.Values) model.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
