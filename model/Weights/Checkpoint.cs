using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>
/// The weights of a Hugging Face model directory: model.safetensors, or the shards listed in
/// model.safetensors.index.json. Owns the open, memory-mapped files.
/// </summary>
public sealed class Checkpoint : IDisposable
{
    private readonly Dictionary<string, SafeTensorsFile> _byTensor;
    private readonly List<SafeTensorsFile> _files;

    private Checkpoint(string directory, List<SafeTensorsFile> files, Dictionary<string, SafeTensorsFile> byTensor)
    {
        Directory = directory;
        _files = files;
        _byTensor = byTensor;
    }

    /// <summary>The model directory.</summary>
    public string Directory { get; }

    /// <summary>All tensor names in the checkpoint.</summary>
    public IEnumerable<string> Names => _byTensor.Keys;

    /// <summary>Opens the checkpoint in <paramref name="directory"/>.</summary>
    /// <exception cref="ModelLoadException">No weights, or a broken index (the message names the file).</exception>
    public static Checkpoint Open(string directory)
    {
        string single = Path.Combine(directory, "model.safetensors");
        string indexPath = Path.Combine(directory, SafeTensorsWriter.IndexFileName);
        var files = new List<SafeTensorsFile>();
        var byTensor = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
        try
        {
            if (File.Exists(indexPath))
            {
                JsonObject weightMap = (JsonNode.Parse(File.ReadAllText(indexPath)) as JsonObject)?["weight_map"] as JsonObject
                    ?? throw new ModelLoadException($"{indexPath}: missing 'weight_map'");
                var shards = new Dictionary<string, SafeTensorsFile>(StringComparer.Ordinal);
                foreach ((string name, JsonNode? shardNode) in weightMap)
                {
                    string shard = (string?)shardNode ?? throw new ModelLoadException($"{indexPath}: no shard for '{name}'");
                    if (!shards.TryGetValue(shard, out SafeTensorsFile? file))
                    {
                        file = SafeTensorsFile.Open(Path.Combine(directory, shard));
                        shards[shard] = file;
                        files.Add(file);
                    }
                    if (!file.Tensors.ContainsKey(name))
                        throw new ModelLoadException($"{indexPath}: tensor '{name}' is mapped to {shard}, which does not contain it");
                    byTensor[name] = file;
                }
            }
            else if (File.Exists(single))
            {
                SafeTensorsFile file = SafeTensorsFile.Open(single);
                files.Add(file);
                foreach (string name in file.Tensors.Keys) byTensor[name] = file;
            }
            else
            {
                throw new ModelLoadException($"No weights in {directory}: expected model.safetensors or {SafeTensorsWriter.IndexFileName}");
            }
        }
        catch (JsonException e)
        {
            foreach (SafeTensorsFile file in files) file.Dispose();
            throw new ModelLoadException($"{indexPath} is not valid JSON: {e.Message}", e);
        }
        catch
        {
            foreach (SafeTensorsFile file in files) file.Dispose();
            throw;
        }
        return new Checkpoint(directory, files, byTensor);
    }

    /// <summary>Whether the checkpoint has a tensor of that name.</summary>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>The header entry of a tensor.</summary>
    public SafeTensorInfo Info(string name) => _byTensor.TryGetValue(name, out SafeTensorsFile? file)
        ? file.Tensors[name]
        : throw new ModelLoadException($"Checkpoint {Directory} is missing tensor '{name}'");

    /// <summary>Loads a tensor, converted to <paramref name="dtype"/> on <paramref name="device"/>.</summary>
    /// <exception cref="ModelLoadException">Missing tensor (named).</exception>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null) =>
        _byTensor.TryGetValue(name, out SafeTensorsFile? file)
            ? file.Load(name, dtype, device)
            : throw new ModelLoadException($"Checkpoint {Directory} is missing tensor '{name}'");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (SafeTensorsFile file in _files) file.Dispose();
    }
}
