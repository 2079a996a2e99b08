using CodeGen.Model.Gguf;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;

namespace CodeGen.Server.Tests.Backends;

/// <summary>
/// The reference models as Hugging Face directories and as the F32 GGUF files our exporter makes of them: a tiny
/// random Qwen2 (q/k/v biases, untied head, the small tokenizer), the bundled codegen-tiny (Llama, tied head, its
/// own tokenizer) and stories260K (Llama, a made-up SentencePiece vocabulary; driven by ids).
/// </summary>
public sealed class GgufTestModels : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-gguf-").FullName;

    public GgufTestModels()
    {
        Qwen2Directory = GgufModels.SaveQwen2Directory(Path.Combine(_root, "qwen2"));
        Qwen2 = GgufModels.Export(Qwen2Directory, Path.Combine(_root, "qwen2.gguf"));
        BundledDirectory = ModelLocator.Resolve(null);
        Bundled = GgufModels.Export(BundledDirectory, Path.Combine(_root, "codegen-tiny.gguf"));
        Stories = GgufModels.ExportStories260K(Path.Combine(_root, "stories260K.gguf"));
    }

    public string Root => _root;

    public string Qwen2Directory { get; }

    public string Qwen2 { get; }

    public string BundledDirectory { get; }

    public string Bundled { get; }

    public string Stories { get; }

    /// <summary>(HF directory, GGUF file) of a model by name.</summary>
    public (string Directory, string File) Pair(string name) => name switch
    {
        "qwen2" => (Qwen2Directory, Qwen2),
        "codegen-tiny" => (BundledDirectory, Bundled),
        "stories260K" => (Fixtures.Stories260K, Stories),
        _ => throw new ArgumentException(name),
    };

    public GgufModel Open(string name) => GgufModel.Open(Pair(name).File);

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
