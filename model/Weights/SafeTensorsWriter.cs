using System.Text;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>Writes tensors as .safetensors files, single or sharded with a model.safetensors.index.json.</summary>
public static class SafeTensorsWriter
{
    /// <summary>The index file name of a sharded checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// Writes <paramref name="tensors"/> to <paramref name="path"/> in name order. The file is written to a
    /// temporary name and renamed, so a crash never leaves a half-written checkpoint under the real name.
    /// </summary>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var meta = new JsonObject();
            foreach ((string key, string value) in metadata) meta[key] = value;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach ((string name, Tensor tensor) in ordered)
        {
            long bytes = tensor.NumberOfElements * tensor.ElementSize;
            header[name] = new JsonObject
            {
                ["dtype"] = SafeTensorDTypes.FromScalarType(tensor.dtype),
                ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + bytes),
            };
            offset += bytes;
        }
        byte[] headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        int padding = (8 - headerBytes.Length % 8) % 8; // data starts 8-byte aligned
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            stream.Write(BitConverter.GetBytes((ulong)(headerBytes.Length + padding)));
            stream.Write(headerBytes);
            for (int i = 0; i < padding; i++) stream.WriteByte((byte)' ');
            foreach ((_, Tensor tensor) in ordered)
            {
                using Tensor cpu = tensor.detach().cpu().contiguous();
                stream.Write(cpu.bytes);
            }
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>
    /// Writes a checkpoint into <paramref name="directory"/>: one model.safetensors when it fits in
    /// <paramref name="maxShardBytes"/>, else model-0000k-of-0000n.safetensors shards plus the index file.
    /// </summary>
    public static void WriteCheckpoint(string directory, IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes = 4L << 30)
    {
        Directory.CreateDirectory(directory);
        var ordered = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var shards = new List<List<KeyValuePair<string, Tensor>>> { new() };
        long current = 0, total = 0;
        foreach (var pair in ordered)
        {
            long bytes = pair.Value.NumberOfElements * pair.Value.ElementSize;
            if (current > 0 && current + bytes > maxShardBytes)
            {
                shards.Add(new());
                current = 0;
            }
            shards[^1].Add(pair);
            current += bytes;
            total += bytes;
        }
        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        if (shards.Count == 1)
        {
            Write(Path.Combine(directory, "model.safetensors"), ordered, metadata);
            return;
        }
        var weightMap = new JsonObject();
        for (int i = 0; i < shards.Count; i++)
        {
            string name = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            Write(Path.Combine(directory, name), shards[i], metadata);
            foreach (var pair in shards[i]) weightMap[pair.Key] = name;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = total }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(directory, IndexFileName), index.ToJsonString());
    }
}
