using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Lora;
using CodeGen.Model.Tokenization;
using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>
/// Owns the model directory's pieces: the tokenizer (read at start) and the model (loaded in the background,
/// so /health can answer 503 until it is ready).
/// </summary>
internal sealed class ModelHost : IDisposable
{
    private readonly Task<CausalLM> _loading;

    public ModelHost(string directory, ScalarType dtype, Device device, string? adapterDirectory = null)
    {
        Directory = directory;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        Config = ModelConfig.Load(directory);
        string tokenizerPath = Path.Combine(directory, "tokenizer.json");
        Tokenizer = File.Exists(tokenizerPath) ? BpeTokenizer.Load(tokenizerPath) : null;
        ChatTemplate = ReadChatTemplate(Path.Combine(directory, "tokenizer_config.json"));
        // Read (and validate) the adapter now so a bad --adapter fails at start; apply it once the weights are in.
        PeftAdapter? adapter = adapterDirectory is null ? null : PeftAdapter.Load(adapterDirectory);
        AdapterName = adapterDirectory is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(adapterDirectory)));
        _loading = Task.Run(() =>
        {
            using (adapter)
            {
                CausalLM model = CausalLM.Load(directory, dtype, device);
                adapter?.ApplyTo(model, merge: true); // merged at load: serving costs nothing extra
                return model;
            }
        });
    }

    /// <summary>The LoRA adapter merged into the weights, if any.</summary>
    public string? AdapterName { get; }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The model's id in the API (the directory name).</summary>
    public string Name { get; }

    /// <summary>config.json (read at start, so requests can be validated while the weights load).</summary>
    public ModelConfig Config { get; }

    /// <summary>tokenizer.json, or null for a model served by token ids only.</summary>
    public BpeTokenizer? Tokenizer { get; }

    /// <summary>tokenizer_config.json's chat_template, if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>Tokens that end generation: config.json's eos ids.</summary>
    public IReadOnlyList<int> StopTokenIds => Config.EosTokenIds;

    /// <summary>Whether loading finished successfully.</summary>
    public bool IsReady => _loading.IsCompletedSuccessfully;

    /// <summary>The load error, if loading failed.</summary>
    public Exception? LoadError => _loading.Exception?.GetBaseException();

    /// <summary>Waits for the model.</summary>
    public Task<CausalLM> GetAsync() => _loading;

    private static string? ReadChatTemplate(string path) =>
        File.Exists(path) ? (string?)(JsonNode.Parse(File.ReadAllText(path)) as JsonObject)?["chat_template"] : null;

    public void Dispose()
    {
        if (_loading.IsCompletedSuccessfully) _loading.Result.Dispose();
    }
}
