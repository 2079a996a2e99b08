using CodeGen.Model;
using CodeGen.TestUtils;

namespace CodeGen.Server.Tests.Engine;

/// <summary>Tiny model directories for engine tests: a Llama with the fixture tokenizer, a Qwen2 (q/k/v bias, untied head), and a Qwen2 with dynamic-NTK RoPE whose original context (24) prompts go past.</summary>
public sealed class EngineModels : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-engine-").FullName;

    public EngineModels()
    {
        Llama = TinyModels.SaveServable(Path.Combine(_root, "llama"), maxPositions: 256);
        Qwen2 = Save("qwen2", TinyModels.Qwen2Config(maxPositions: 256));
        Qwen2Dynamic = Save("qwen2-dynamic", TinyModels.Qwen2Config(ropeScaling: new RopeScaling("dynamic", 2.0, 24), maxPositions: 96));
    }

    public string Llama { get; }

    public string Qwen2 { get; }

    public string Qwen2Dynamic { get; }

    private string Save(string name, ModelConfig config)
    {
        string directory = Path.Combine(_root, name);
        using CausalLM model = TinyModels.Random(config, seed: 5);
        model.Save(directory);
        return directory;
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
