using System.IO.MemoryMappedFiles;
using System.Text;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace CodeGen.Model.Weights;

/// <summary>
/// A memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON header of
/// name -> {dtype, shape, data_offsets}, then the raw little-endian tensor data. Tensors are copied out of
/// the mapping on demand, so opening a multi-GB checkpoint reads only its header.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private readonly MemoryMappedFile _file;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _dataStart;
    private readonly long _length;

    private SafeTensorsFile(string path, MemoryMappedFile file, MemoryMappedViewAccessor view, long dataStart, long length,
        IReadOnlyDictionary<string, SafeTensorInfo> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _file = file;
        _view = view;
        _dataStart = dataStart;
        _length = length;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file this was opened from.</summary>
    public string Path { get; }

    /// <summary>Header entries by tensor name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The header's "__metadata__" strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and maps a file, validating its header against the file size.</summary>
    /// <exception cref="ModelLoadException">Missing file or malformed header (the message names the file).</exception>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"Checkpoint file not found: {path}");
        long length = new FileInfo(path).Length;
        if (length < 8) throw new ModelLoadException($"{path}: too short to be a safetensors file ({length} bytes)");
        var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        MemoryMappedViewAccessor? view = null;
        try
        {
            view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            ulong headerLength = view.ReadUInt64(0);
            if (headerLength > (ulong)(length - 8) || headerLength > 100_000_000)
                throw new ModelLoadException($"{path}: header length {headerLength} does not fit in a file of {length} bytes");
            var headerBytes = new byte[headerLength];
            view.ReadArray(8, headerBytes, 0, headerBytes.Length);
            (var tensors, var metadata) = ParseHeader(Encoding.UTF8.GetString(headerBytes), path, length - 8 - (long)headerLength);
            return new SafeTensorsFile(path, file, view, 8 + (long)headerLength, length, tensors, metadata);
        }
        catch
        {
            view?.Dispose();
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies a tensor out of the mapping as a new CPU tensor in the file's dtype, then converts it to
    /// <paramref name="dtype"/> and moves it to <paramref name="device"/> when given.
    /// </summary>
    /// <exception cref="ModelLoadException">No tensor of that name.</exception>
    public Tensor Load(string name, ScalarType? dtype = null, Device? device = null)
    {
        if (!Tensors.TryGetValue(name, out SafeTensorInfo? info))
            throw new ModelLoadException($"{Path}: tensor '{name}' not found");
        ScalarType stored = SafeTensorDTypes.ToScalarType(info.DType, $"{Path}: tensor '{name}'");
        Tensor tensor = empty(info.Shape, stored);
        CopyInto(info, tensor.bytes);
        if ((dtype is null || dtype == stored) && (device is null || device.type == DeviceType.CPU)) return tensor;
        using (tensor)
        {
            return tensor.to(dtype ?? stored, device ?? CPU);
        }
    }

    private unsafe void CopyInto(SafeTensorInfo info, Span<byte> destination)
    {
        byte* basePointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref basePointer);
        try
        {
            basePointer += _view.PointerOffset;
            long count = info.End - info.Begin;
            // Span lengths are int; copy a large tensor in chunks.
            long done = 0;
            while (done < count)
            {
                int chunk = (int)Math.Min(count - done, 1 << 30);
                new ReadOnlySpan<byte>(basePointer + _dataStart + info.Begin + done, chunk).CopyTo(destination.Slice((int)done, chunk));
                done += chunk;
            }
        }
        finally
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }
    }

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string json, string path, long dataLength)
    {
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            foreach (JsonProperty property in doc.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    foreach (JsonProperty m in property.Value.EnumerateObject()) metadata[m.Name] = m.Value.GetString() ?? "";
                    continue;
                }
                string dtype = property.Value.GetProperty("dtype").GetString() ?? "";
                long[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                long[] offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
                var info = new SafeTensorInfo(property.Name, dtype, shape, offsets[0], offsets[1]);
                long expected = info.ElementCount * SafeTensorDTypes.ElementSize(dtype);
                if (offsets.Length != 2 || info.Begin < 0 || info.End > dataLength || info.End - info.Begin != expected)
                {
                    throw new ModelLoadException(
                        $"{path}: tensor '{property.Name}' has data_offsets [{string.Join(", ", offsets)}] that do not match its {dtype} shape [{string.Join(", ", shape)}] ({expected} bytes) within {dataLength} data bytes");
                }
                tensors[property.Name] = info;
            }
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            throw new ModelLoadException($"{path}: malformed safetensors header: {e.Message}", e);
        }
        return (tensors, metadata);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _view.Dispose();
        _file.Dispose();
    }
}
