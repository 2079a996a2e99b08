using System.CommandLine;
using CodeGen.Training.Checkpoints;

namespace CodeGen.Training.Commands;

/// <summary><c>export</c>: writes a run's newest checkpoint as a Hugging Face model directory.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo> run = new("--run") { Description = "Pretraining run directory (with run.json and checkpoints/).", Required = true };
        Option<DirectoryInfo> output = new("--output") { Description = "Model directory to write.", Required = true };
        var command = new Command("export", "Export the newest checkpoint of a run as a model directory.") { run, output };
        command.SetAction(parse =>
        {
            (string directory, int step) = CheckpointExporter.Export(parse.GetRequiredValue(run).FullName, parse.GetRequiredValue(output).FullName);
            parse.InvocationConfiguration.Output.WriteLine($"exported step {step} to {directory}");
            return 0;
        });
        return command;
    }
}
