using System.Text.Json;
using CodeGen.Model.Weights;
using static TorchSharp.torch;

namespace CodeGen.Training.Checkpoints;

/// <summary>
/// Training checkpoints under RUN/checkpoints/step-NNNNNNN/: weights.safetensors, optimizer.safetensors and
/// state.json. A checkpoint is written into a temporary folder and renamed into place, so a kill at any
/// moment leaves either the previous checkpoints or a complete new one, never a broken one. The two newest
/// are kept.
/// </summary>
internal sealed class CheckpointStore(string runDirectory)
{
    private const string Prefix = "step-";
    private readonly string _root = Path.Combine(runDirectory, "checkpoints");

    /// <summary>Writes one checkpoint atomically.</summary>
    public string Save(int step, IEnumerable<KeyValuePair<string, Tensor>> weights, IEnumerable<KeyValuePair<string, Tensor>> optimizer, TrainingState state) =>
        Save<TrainingState>(step, weights, optimizer, state);

    /// <summary>Writes one checkpoint atomically, with any run's state record as state.json.</summary>
    public string Save<TState>(int step, IEnumerable<KeyValuePair<string, Tensor>> weights, IEnumerable<KeyValuePair<string, Tensor>> optimizer, TState state)
    {
        Directory.CreateDirectory(_root);
        string final = Path.Combine(_root, $"{Prefix}{step:D7}");
        string temp = Path.Combine(_root, $".tmp-{step:D7}-{Environment.ProcessId}");
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        Directory.CreateDirectory(temp);
        SafeTensorsWriter.Write(Path.Combine(temp, "weights.safetensors"), weights);
        SafeTensorsWriter.Write(Path.Combine(temp, "optimizer.safetensors"), optimizer);
        string statePath = Path.Combine(temp, "state.json");
        using (var stream = new FileStream(statePath, FileMode.Create, FileAccess.Write))
        {
            JsonSerializer.Serialize(stream, state, TrainingState.Json);
            stream.Flush(flushToDisk: true);
        }
        if (Directory.Exists(final)) Directory.Delete(final, recursive: true);
        Directory.Move(temp, final);
        foreach (string old in Complete().SkipLast(2)) Directory.Delete(old, recursive: true);
        return final;
    }

    /// <summary>The newest complete checkpoint folder, or null.</summary>
    public string? Latest() => Complete().LastOrDefault();

    /// <summary>Reads the state of a checkpoint folder.</summary>
    public static TrainingState ReadState(string checkpoint) => ReadState<TrainingState>(checkpoint);

    /// <summary>Reads the state of a checkpoint folder as <typeparamref name="TState"/>.</summary>
    public static TState ReadState<TState>(string checkpoint) =>
        JsonSerializer.Deserialize<TState>(File.ReadAllText(Path.Combine(checkpoint, "state.json")), TrainingState.Json)
        ?? throw new InvalidDataException($"{checkpoint}/state.json is empty");

    /// <summary>Removes temporary folders left by a killed writer.</summary>
    public void RemoveIncomplete()
    {
        if (!Directory.Exists(_root)) return;
        foreach (string temp in Directory.GetDirectories(_root, ".tmp-*")) Directory.Delete(temp, recursive: true);
    }

    private IEnumerable<string> Complete() => Directory.Exists(_root)
        ? Directory.GetDirectories(_root, Prefix + "*").Where(d => File.Exists(Path.Combine(d, "state.json"))).Order(StringComparer.Ordinal)
        : [];
}
