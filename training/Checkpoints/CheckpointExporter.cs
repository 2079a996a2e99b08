using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Weights;

namespace CodeGen.Training.Checkpoints;

/// <summary>
/// Turns a run's newest checkpoint into a Hugging Face model directory (config.json, model.safetensors,
/// tokenizer.json, generation_config.json) — the same files a finished run exports.
/// </summary>
internal static class CheckpointExporter
{
    public static (string Directory, int Step) Export(string runDirectory, string outputDirectory)
    {
        string runInfo = Path.Combine(runDirectory, "run.json");
        if (!File.Exists(runInfo)) throw new FileNotFoundException($"{runInfo} not found: is {runDirectory} a pretraining run?", runInfo);
        JsonObject info = JsonNode.Parse(File.ReadAllText(runInfo)) as JsonObject ?? throw new InvalidDataException($"{runInfo} is not a JSON object");
        ModelConfig config = ModelConfig.Parse(info["model_config"]!.ToJsonString(), runInfo);
        string checkpoint = new CheckpointStore(runDirectory).Latest() ?? throw new InvalidDataException($"{runDirectory} has no complete checkpoint");
        TrainingState state = CheckpointStore.ReadState(checkpoint);
        string tokenizer = Path.Combine((string?)info["data"] ?? "", "tokenizer.json");
        if (!File.Exists(tokenizer)) throw new FileNotFoundException($"Tokenizer of the run's data not found: {tokenizer}", tokenizer);

        if (config.EosTokenIds.Count == 0 && CodeGen.Model.Tokenization.BpeTokenizer.Load(tokenizer).EndOfTextId is int eos)
            config = config with { EosTokenIds = [eos] }; // runs before the exporter set it still end documents with <|endoftext|>
        Directory.CreateDirectory(outputDirectory);
        using (var weights = SafeTensorsFile.Open(Path.Combine(checkpoint, "weights.safetensors")))
        using (var model = new CausalLM(config, new CheckpointFileSource(weights), TorchSharp.torch.float32, TorchSharp.torch.CPU))
        {
            model.Save(outputDirectory);
        }
        File.Copy(tokenizer, Path.Combine(outputDirectory, "tokenizer.json"), overwrite: true);
        WriteGenerationConfig(outputDirectory, config);
        return (outputDirectory, state.Step);
    }

    public static void WriteGenerationConfig(string directory, ModelConfig config)
    {
        var generation = new JsonObject
        {
            ["eos_token_id"] = config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : null,
            ["max_new_tokens"] = 128,
            ["temperature"] = 0.2,
            ["top_p"] = 0.95,
        };
        File.WriteAllText(Path.Combine(directory, "generation_config.json"), generation.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
    }

    private sealed class CheckpointFileSource(SafeTensorsFile file) : IWeightSource
    {
        public TorchSharp.torch.Tensor Get(string name, long[] shape, WeightKind kind)
        {
            TorchSharp.torch.Tensor tensor = file.Load(name);
            if (!tensor.shape.SequenceEqual(shape)) throw new ModelLoadException($"{file.Path}: '{name}' has shape [{string.Join(", ", tensor.shape)}], expected [{string.Join(", ", shape)}]");
            return tensor;
        }
    }
}
