using CodeGen.Model.Layers;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Model.Lora;

/// <summary>
/// A Hugging Face PEFT LoRA adapter directory: adapter_config.json plus adapter_model.safetensors holding
/// "base_model.model.{module}.lora_A.weight" (r, in) and "....lora_B.weight" (out, r) for each adapted
/// linear module (the older "....lora_A.default.weight" form is read too). Owns the factors (float32, CPU)
/// until disposed; <see cref="ApplyTo"/> gives the model its own copies.
/// </summary>
public sealed class PeftAdapter : IDisposable
{
    /// <summary>The weights file name inside an adapter directory.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    private const string KeyPrefix = "base_model.model.";

    private readonly IReadOnlyList<Entry> _entries;
    private readonly string _weightsPath;
    private bool _disposed;

    private PeftAdapter(PeftAdapterConfig config, IReadOnlyList<Entry> entries, string weightsPath)
    {
        Config = config;
        _entries = entries;
        _weightsPath = weightsPath;
    }

    /// <summary>Rank, alpha, scaling and target modules.</summary>
    public PeftAdapterConfig Config { get; }

    /// <summary>Module paths the adapter changes, e.g. "model.layers.0.self_attn.q_proj".</summary>
    public IReadOnlyList<string> Modules => _entries.Select(e => e.Module).ToArray();

    /// <summary>Reads and validates an adapter directory (names and ranks; shapes against a model in <see cref="ApplyTo"/>).</summary>
    /// <exception cref="ModelLoadException">A missing file, an unsupported option, or a tensor that is not a LoRA factor of rank r (named).</exception>
    public static PeftAdapter Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new ModelLoadException($"Adapter directory not found: {directory}");
        PeftAdapterConfig config = PeftAdapterConfig.Load(Path.Combine(directory, PeftAdapterConfig.FileName));
        string weightsPath = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(weightsPath))
        {
            string hint = File.Exists(Path.Combine(directory, "adapter_model.bin")) ? " (adapter_model.bin is a pickle; save with safe_serialization=True)" : "";
            throw new ModelLoadException($"Adapter weights not found: {weightsPath}{hint}");
        }

        using SafeTensorsFile file = SafeTensorsFile.Open(weightsPath);
        var keys = new Dictionary<string, (string? A, string? B)>(StringComparer.Ordinal);
        foreach (string key in file.Tensors.Keys.Order(StringComparer.Ordinal))
        {
            (string module, bool isA) = ParseKey(key, weightsPath);
            (string? a, string? b) = keys.GetValueOrDefault(module);
            keys[module] = isA ? (key, b) : (a, key);
            if (!config.Targets(module))
            {
                string targets = config.TargetPattern ?? "[" + string.Join(", ", config.TargetModules) + "]";
                throw new ModelLoadException($"{weightsPath}: tensor '{key}' is for module '{module}', which target_modules {targets} does not select");
            }
        }
        if (keys.Count == 0) throw new ModelLoadException($"{weightsPath}: no LoRA tensors");

        var entries = new List<Entry>();
        try
        {
            foreach ((string module, (string? keyA, string? keyB)) in keys)
            {
                if (keyA is null || keyB is null)
                    throw new ModelLoadException($"{weightsPath}: module '{module}' has {(keyA is null ? "lora_B but no lora_A" : "lora_A but no lora_B")}");
                CheckRank(file.Tensors[keyA].Shape, 0, config.Rank, keyA, weightsPath);
                CheckRank(file.Tensors[keyB].Shape, 1, config.Rank, keyB, weightsPath);
                Tensor a = file.Load(keyA, float32);
                entries.Add(new Entry(module, keyA, keyB, a, file.Load(keyB, float32)));
            }
        }
        catch
        {
            foreach (Entry entry in entries) entry.Dispose();
            throw;
        }
        return new PeftAdapter(config, entries, weightsPath);
    }

    /// <summary>
    /// Attaches the factors to the model's linear modules in the model's dtype and device (unmerged: forward
    /// adds scale · (x Aᵀ) Bᵀ), or with <paramref name="merge"/> folds them into the weights (W += scale · B A,
    /// computed in float32) and detaches them. Every module and shape is checked before the model is changed.
    /// </summary>
    /// <exception cref="ModelLoadException">A module the model lacks or that is not linear, a shape that does not fit, or a module already adapted (named).</exception>
    public void ApplyTo(CausalLM model, bool merge)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<(Linear Linear, Entry Entry)> targets = Resolve(model);
        foreach ((Linear linear, Entry entry) in targets)
        {
            if (linear.HasLora) throw new ModelLoadException($"{_weightsPath}: module '{entry.Module}' already has a LoRA update attached");
        }

        // Linear scales by alpha / r; passing scale · r makes that the configured scale (alpha / √r with rsLoRA).
        double alpha = Config.Scale * Config.Rank;
        // Merging computes in float32 and rounds once into W; unmerged factors run in the model's dtype.
        ScalarType dtype = merge ? float32 : model.DType;
        using (no_grad())
        {
            foreach ((Linear linear, Entry entry) in targets)
            {
                // The Parameters AttachLora creates take over these copies.
                linear.AttachLora(entry.A.to(dtype, model.Device, copy: true), entry.B.to(dtype, model.Device, copy: true), alpha, trainable: false);
                if (merge) linear.MergeLora();
            }
        }
    }

    /// <summary>
    /// Gives the model copies of the factors (in its dtype and device) in a new adapter slot, unmerged, for serving
    /// beside the base model and other adapters: a sequence whose <see cref="SequenceStep.Adapter"/> is the returned
    /// slot gets scale · (x Aᵀ) Bᵀ added in every adapted module; the others do not. Modules and shapes are checked
    /// before the model is changed.
    /// </summary>
    /// <returns>The slot (1 for the first adapter added, then 2, ...).</returns>
    /// <exception cref="ModelLoadException">A module the model lacks or that is not linear, or a shape that does not fit (named).</exception>
    public int AddTo(CausalLM model)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        List<(Linear Linear, Entry Entry)> targets = Resolve(model);
        int slot = model.NextAdapterSlot();
        using (no_grad())
        {
            foreach ((Linear linear, Entry entry) in targets)
                linear.AddAdapter(slot, entry.A.to(model.DType, model.Device, copy: true), entry.B.to(model.DType, model.Device, copy: true), Config.Scale);
        }
        return slot;
    }

    // The linear module of every entry, each checked against the factors' shapes.
    private List<(Linear Linear, Entry Entry)> Resolve(CausalLM model)
    {
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module, StringComparer.Ordinal);
        var targets = new List<(Linear Linear, Entry Entry)>();
        foreach (Entry entry in _entries)
        {
            if (!modules.TryGetValue(entry.Module, out nn.Module? module))
                throw new ModelLoadException($"{_weightsPath}: tensor '{entry.KeyA}' is for module '{entry.Module}', which the model does not have");
            if (module is not Linear linear)
                throw new ModelLoadException($"{_weightsPath}: tensor '{entry.KeyA}' is for module '{entry.Module}', which is not a linear layer");
            CheckShape(entry.A, [Config.Rank, linear.InFeatures], entry.KeyA);
            CheckShape(entry.B, [linear.OutFeatures, Config.Rank], entry.KeyB);
            targets.Add((linear, entry));
        }
        return targets;
    }

    /// <summary>
    /// Writes an adapter in PEFT format: adapter_config.json and adapter_model.safetensors with
    /// "base_model.model.{module}.lora_A.weight" / ".lora_B.weight" per module (tensors in their own dtype).
    /// </summary>
    /// <exception cref="ArgumentException">No modules, a factor whose rank is not <see cref="PeftAdapterConfig.Rank"/>, or a module target_modules does not select.</exception>
    public static void Save(string directory, PeftAdapterConfig config, IReadOnlyDictionary<string, LoraFactors> modules)
    {
        if (modules.Count == 0) throw new ArgumentException("An adapter needs at least one module", nameof(modules));
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach ((string module, LoraFactors factors) in modules)
        {
            if (factors.A.dim() != 2 || factors.B.dim() != 2 || factors.A.shape[0] != config.Rank || factors.B.shape[1] != config.Rank)
            {
                throw new ArgumentException(
                    $"LoRA factors for {module} must be A (r={config.Rank}, in) and B (out, r={config.Rank}); got A [{string.Join(", ", factors.A.shape)}], B [{string.Join(", ", factors.B.shape)}]",
                    nameof(modules));
            }
            if (!config.Targets(module)) throw new ArgumentException($"Module {module} is not selected by the config's target_modules", nameof(modules));
            tensors.Add(new(KeyPrefix + module + ".lora_A.weight", factors.A));
            tensors.Add(new(KeyPrefix + module + ".lora_B.weight", factors.B));
        }
        Directory.CreateDirectory(directory);
        SafeTensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(Path.Combine(directory, PeftAdapterConfig.FileName), config.ToJson());
    }

    /// <summary>Writes the LoRA factors attached to <paramref name="model"/>'s linear modules (after fine-tuning) in PEFT format.</summary>
    /// <exception cref="ArgumentException">The model has no LoRA factors attached, or they do not fit <paramref name="config"/>.</exception>
    public static void Save(string directory, PeftAdapterConfig config, CausalLM model)
    {
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter, StringComparer.Ordinal);
        var modules = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        foreach ((string name, Tensor a) in parameters)
        {
            if (!name.EndsWith(".lora_A", StringComparison.Ordinal)) continue;
            string module = name[..^".lora_A".Length];
            modules[module] = new LoraFactors(a, parameters[module + ".lora_B"]);
        }
        Save(directory, config, modules);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (Entry entry in _entries) entry.Dispose();
    }

    // "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight" -> ("model.layers.0.self_attn.q_proj", A).
    private static (string Module, bool IsA) ParseKey(string key, string path)
    {
        string[] suffixes = [".lora_A.weight", ".lora_B.weight", ".lora_A.default.weight", ".lora_B.default.weight"];
        string? suffix = suffixes.FirstOrDefault(s => key.EndsWith(s, StringComparison.Ordinal));
        if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || suffix is null)
        {
            throw new ModelLoadException(
                $"{path}: tensor '{key}' is not a LoRA factor (expected base_model.model.<module>.lora_A.weight or .lora_B.weight)");
        }
        return (key[KeyPrefix.Length..^suffix.Length], suffix.StartsWith(".lora_A", StringComparison.Ordinal));
    }

    private static void CheckRank(long[] shape, int axis, int rank, string key, string path)
    {
        if (shape.Length == 2 && shape[axis] == rank) return;
        string expected = axis == 0 ? $"[{rank}, in]" : $"[out, {rank}]";
        throw new ModelLoadException($"{path}: tensor '{key}' has shape [{string.Join(", ", shape)}]; expected {expected} (r={rank} in {PeftAdapterConfig.FileName})");
    }

    private void CheckShape(Tensor tensor, long[] expected, string key)
    {
        if (tensor.shape.SequenceEqual(expected)) return;
        throw new ModelLoadException(
            $"{_weightsPath}: tensor '{key}' has shape [{string.Join(", ", tensor.shape)}]; expected [{string.Join(", ", expected)}]");
    }

    private sealed record Entry(string Module, string KeyA, string KeyB, Tensor A, Tensor B) : IDisposable
    {
        public void Dispose()
        {
            A.Dispose();
            B.Dispose();
        }
    }
}
