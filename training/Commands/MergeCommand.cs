using System.CommandLine;
using CodeGen.Training.Lora;

namespace CodeGen.Training.Commands;

/// <summary><c>merge</c>: base model + PEFT LoRA adapter → a merged Hugging Face model directory.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> baseModel = new("--base") { Description = "Base model directory (Hugging Face layout).", Required = true };
        Option<DirectoryInfo> adapter = new("--adapter") { Description = "PEFT LoRA adapter directory (adapter_config.json, adapter_model.safetensors).", Required = true };
        Option<DirectoryInfo> output = new("--output") { Description = "Directory for the merged model (config.json, model.safetensors, tokenizer files).", Required = true };
        Option<string?> dtype = new("--dtype") { Description = "float32, bfloat16 or float16 (default: the base's torch_dtype)." };
        var command = new Command("merge", "Merge a LoRA adapter into its base model: W + scale · B A, written as a model directory the server loads.")
        {
            baseModel, adapter, output, dtype,
        };
        command.SetAction(parse =>
        {
            string outputDir = parse.GetRequiredValue(output).FullName;
            int modules = AdapterMerger.Merge(parse.GetRequiredValue(baseModel).FullName, parse.GetRequiredValue(adapter).FullName, outputDir, parse.GetValue(dtype));
            parse.InvocationConfiguration.Output.WriteLine($"merged {modules} modules into {outputDir}");
            return 0;
        });
        return command;
    }
}
