using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;

namespace CodeGen.Server.Tests.Backends;

/// <summary>The same tiny servable model (small tokenizer, ChatML template) served twice: by the TorchSharp backend from its directory and by the llama.cpp backend from the GGUF file exported from it.</summary>
public sealed class LlamaServingFixture : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-llama-serve-").FullName;
    private WebApplication? _torchApp, _llamaApp;

    public HttpClient Torch { get; private set; } = null!;

    public HttpClient Llama { get; private set; } = null!;

    public string GgufFile { get; private set; } = "";

    public async Task InitializeAsync()
    {
        string directory = TinyModels.SaveServable(Path.Combine(_root, "servable"), chatTemplate: true);
        GgufFile = GgufModels.Export(directory, Path.Combine(_root, "servable.gguf"));
        var engine = new EngineOptions { MaxBatch = 4, MaxQueue = 64 };
        (_torchApp, Torch) = await ServerFixture.StartAsync(directory, engine);
        (_llamaApp, Llama) = await ServerFixture.StartAsync(GgufFile, engine with { Threads = 2 });
    }

    public async Task DisposeAsync()
    {
        Torch.Dispose();
        Llama.Dispose();
        if (_torchApp is not null) await _torchApp.DisposeAsync();
        if (_llamaApp is not null) await _llamaApp.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
