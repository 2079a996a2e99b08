using CodeGen.Model;
using static TorchSharp.torch;

namespace CodeGen.Server.Engine;

/// <summary>Owns the loaded model; loads it in the background so /health can answer 503 until it is ready.</summary>
internal sealed class ModelHost : IDisposable
{
    private readonly Task<CausalLM> _loading;

    public ModelHost(string directory, ScalarType dtype, Device device)
    {
        Directory = directory;
        Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        _loading = Task.Run(() => CausalLM.Load(directory, dtype, device));
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>The model's id in the API (the directory name).</summary>
    public string Name { get; }

    /// <summary>Whether loading finished successfully.</summary>
    public bool IsReady => _loading.IsCompletedSuccessfully;

    /// <summary>The load error, if loading failed.</summary>
    public Exception? LoadError => _loading.Exception?.GetBaseException();

    /// <summary>Waits for the model.</summary>
    public Task<CausalLM> GetAsync() => _loading;

    public void Dispose()
    {
        if (_loading.IsCompletedSuccessfully) _loading.Result.Dispose();
    }
}
