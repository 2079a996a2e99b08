using CodeGen.Model;
using CodeGen.Model.Lora;

namespace CodeGen.Training.Lora;

/// <summary>
/// Base model + PEFT LoRA adapter → one Hugging Face model directory with W + scale · B A in every adapted module
/// (computed in float32, rounded once into the output dtype), the base's config (torch_dtype set to what was written)
/// and its tokenizer and generation files, so the server loads it like any other model.
/// </summary>
internal static class AdapterMerger
{
    // Files that travel with the weights: tokenizer, chat template, generation defaults.
    private static readonly string[] CopiedFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json", "vocab.json", "merges.txt", "generation_config.json"];

    /// <summary>Writes the merged model into <paramref name="output"/>; returns the number of modules merged.</summary>
    /// <exception cref="ArgumentException">The output is the base directory.</exception>
    /// <exception cref="ModelLoadException">A bad base model or adapter (named).</exception>
    public static int Merge(string baseDirectory, string adapterDirectory, string output, string? dtypeName)
    {
        if (Path.GetFullPath(output).TrimEnd('/') == Path.GetFullPath(baseDirectory).TrimEnd('/'))
            throw new ArgumentException($"--output {output} is the base model's directory; write the merged model elsewhere");
        if (!File.Exists(Path.Combine(baseDirectory, "config.json"))) throw new ArgumentException($"--base {baseDirectory}: not a model directory (no config.json)");
        ModelConfig config = ModelConfig.Load(baseDirectory);
        string name = dtypeName ?? (config.TorchDtype is "float32" or "bfloat16" or "float16" ? config.TorchDtype : "float32");
        var dtype = CausalLM.ParseDType(name);
        using PeftAdapter adapter = PeftAdapter.Load(adapterDirectory);
        using CausalLM model = CausalLM.Load(baseDirectory, dtype, TorchSharp.torch.CPU);
        adapter.ApplyTo(model, merge: true);
        model.Save(output);
        File.WriteAllText(Path.Combine(output, "config.json"), (model.Config with { TorchDtype = name }).ToJson());
        foreach (string file in CopiedFiles)
        {
            string source = Path.Combine(baseDirectory, file);
            if (File.Exists(source)) File.Copy(source, Path.Combine(output, file), overwrite: true);
        }
        return adapter.Modules.Count;
    }
}
