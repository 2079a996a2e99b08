using System.CommandLine;
using CodeGen.Training.Checkpoints;

namespace CodeGen.Training.Commands;

/// <summary>
/// <c>export</c>: writes a run's newest checkpoint as a Hugging Face model directory (<c>--run</c>), or converts a
/// Hugging Face model directory into a GGUF file (<c>--model DIR --format gguf --quant TYPE</c>).
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo?> run = new("--run") { Description = "Pretraining run directory (with run.json and checkpoints/): export its newest checkpoint as a model directory." };
        Option<DirectoryInfo?> model = new("--model") { Description = "Hugging Face model directory (Llama or Qwen2) to convert (with --format gguf)." };
        Option<string> format = new("--format") { Description = "hf (a model directory, from --run) or gguf (a llama.cpp file, from --model).", DefaultValueFactory = _ => "hf" };
        Option<string> quant = new("--quant") { Description = "GGUF tensor type: f32, f16, q8_0, q4_0 or q4_k_m (quantized by llama.cpp's quantizer).", DefaultValueFactory = _ => "f16" };
        Option<int> threads = new("--threads") { Description = "Quantizer threads (0: the machine's cores).", DefaultValueFactory = _ => 0 };
        Option<string> output = new("--output") { Description = "Model directory (hf) or .gguf file (gguf) to write.", Required = true };
        var command = new Command("export", "Export a run's newest checkpoint as a model directory, or a model directory as a GGUF file.") { run, model, format, quant, threads, output };
        command.Validators.Add(result =>
        {
            string f = result.GetValue(format) ?? "hf";
            if (f is not ("hf" or "gguf")) result.AddError($"--format must be hf or gguf, got '{f}'");
            else if (f == "hf" && result.GetValue(run) is null) result.AddError("--format hf exports a run: give --run DIR");
            else if (f == "gguf" && result.GetValue(model) is null) result.AddError("--format gguf converts a model directory: give --model DIR");
        });
        command.SetAction(parse =>
        {
            TextWriter console = parse.InvocationConfiguration.Output;
            string target = Path.GetFullPath(parse.GetRequiredValue(output));
            if (parse.GetValue(format) == "gguf")
            {
                GgufExport.Run(parse.GetValue(model)!.FullName, target, parse.GetRequiredValue(quant), parse.GetValue(threads));
                console.WriteLine($"wrote {target} ({new FileInfo(target).Length} bytes, {parse.GetRequiredValue(quant)})");
                return 0;
            }
            (string directory, int step) = CheckpointExporter.Export(parse.GetValue(run)!.FullName, target);
            console.WriteLine($"exported step {step} to {directory}");
            return 0;
        });
        return command;
    }
}
