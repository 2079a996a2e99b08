using System.Globalization;
using System.Text;

namespace CodeGen.Model.Gguf;

/// <summary>
/// The header, metadata and tensor table of a GGUF file (version 2 or 3), read without loading tensor data. Every
/// length is checked against the bytes left in the file before anything is allocated, so a truncated or corrupt file
/// fails with a <see cref="ModelLoadException"/> naming it instead of reaching llama.cpp.
/// </summary>
public sealed class GgufFile
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;

    /// <summary>Data alignment when <c>general.alignment</c> is absent.</summary>
    public const int DefaultAlignment = 32;

    private GgufFile(string path, uint version, Dictionary<string, object> metadata, List<GgufTensorInfo> tensors, long dataOffset, long fileLength)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        TensorsByName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
        DataOffset = dataOffset;
        FileLength = fileLength;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>Format version.</summary>
    public uint Version { get; }

    /// <summary>Metadata values: uint/int/float/bool/string/ulong/long/double, or arrays of them (string[], int[], float[], ...).</summary>
    public IReadOnlyDictionary<string, object> Metadata { get; }

    /// <summary>The tensor table in file order.</summary>
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>The tensor table by name.</summary>
    public IReadOnlyDictionary<string, GgufTensorInfo> TensorsByName { get; }

    /// <summary>Byte offset of the data section.</summary>
    public long DataOffset { get; }

    /// <summary>The file's size in bytes.</summary>
    public long FileLength { get; }

    /// <summary>Reads and checks the header, metadata and tensor table of <paramref name="path"/>.</summary>
    /// <exception cref="ModelLoadException">Missing, not GGUF, truncated, or with a tensor outside the file.</exception>
    public static GgufFile Read(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"GGUF file not found: {path}");
        using FileStream stream = new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using BinaryReader reader = new(stream, Encoding.UTF8, leaveOpen: true);
        long length = stream.Length;
        try
        {
            if (length < 24) throw Bad(path, $"{length} bytes is too short for a GGUF header (24 bytes)");
            uint magic = reader.ReadUInt32();
            if (magic != Magic) throw Bad(path, $"not a GGUF file (magic 0x{magic:X8}, expected 0x{Magic:X8} \"GGUF\")");
            uint version = reader.ReadUInt32();
            if (version is not (2 or 3)) throw Bad(path, $"GGUF version {version} is not supported (2 or 3)");
            ulong tensorCount = reader.ReadUInt64();
            ulong kvCount = reader.ReadUInt64();
            // Each metadata pair needs at least 12 bytes and each tensor entry at least 24: counts beyond that are corrupt.
            if (kvCount > (ulong)(length / 12) || tensorCount > (ulong)(length / 24))
                throw Bad(path, $"header counts ({kvCount} metadata pairs, {tensorCount} tensors) do not fit in {length} bytes: corrupt or truncated");
            var metadata = new Dictionary<string, object>(StringComparer.Ordinal);
            for (ulong i = 0; i < kvCount; i++)
            {
                string key = ReadString(reader, path);
                var type = (GgufValueType)reader.ReadUInt32();
                metadata[key] = ReadValue(reader, type, path, key);
            }
            var tensors = new List<GgufTensorInfo>((int)tensorCount);
            for (ulong i = 0; i < tensorCount; i++)
            {
                string name = ReadString(reader, path);
                uint dims = reader.ReadUInt32();
                if (dims is 0 or > 4) throw Bad(path, $"tensor '{name}' has {dims} dimensions (1 to 4 allowed)");
                var shape = new long[dims];
                for (int d = 0; d < dims; d++)
                {
                    ulong n = reader.ReadUInt64();
                    if (n == 0 || n > int.MaxValue) throw Bad(path, $"tensor '{name}' has dimension {d} of {n}");
                    shape[d] = (long)n;
                }
                var tensorType = (GgufTensorType)reader.ReadUInt32();
                if (!GgufTypes.IsKnown(tensorType)) throw Bad(path, $"tensor '{name}' has unknown ggml type {(uint)tensorType}");
                long offset = (long)reader.ReadUInt64();
                var info = new GgufTensorInfo(name, shape, tensorType, offset);
                if (shape[0] % GgufTypes.Block(tensorType).Elements != 0)
                    throw Bad(path, $"tensor '{name}' {info.Shape} of type {tensorType}: the row length {shape[0]} is not a multiple of the block size {GgufTypes.Block(tensorType).Elements}");
                tensors.Add(info);
            }
            int alignment = metadata.TryGetValue("general.alignment", out object? a) && a is uint align ? (int)align : DefaultAlignment;
            if (alignment <= 0 || (alignment & (alignment - 1)) != 0) throw Bad(path, $"general.alignment {alignment} is not a power of two");
            long dataOffset = (stream.Position + alignment - 1) / alignment * alignment;
            foreach (GgufTensorInfo t in tensors)
            {
                if (t.Offset < 0 || t.Offset % alignment != 0)
                    throw Bad(path, $"tensor '{t.Name}' has offset {t.Offset}, not a multiple of the alignment {alignment}");
                long end = dataOffset + t.Offset + t.ByteCount;
                if (end > length)
                    throw Bad(path, $"tensor '{t.Name}' {t.Shape} {t.Type} ends at byte {end}, past the end of the file ({length} bytes): truncated");
            }
            return new GgufFile(path, version, metadata, tensors, dataOffset, length);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelLoadException($"{path}: truncated GGUF file (ended inside the header or metadata at byte {stream.Position} of {length})", e);
        }
    }

    /// <summary>A metadata value of type <typeparamref name="T"/>, or default when absent.</summary>
    /// <exception cref="ModelLoadException">Present with another type.</exception>
    public T? Get<T>(string key)
    {
        if (!Metadata.TryGetValue(key, out object? value)) return default;
        if (value is T typed) return typed;
        throw Bad(Path, $"metadata '{key}' is {value.GetType().Name}, expected {typeof(T).Name}");
    }

    /// <summary>An integer metadata value of any integer type, or null when absent.</summary>
    public long? GetInteger(string key) => Metadata.TryGetValue(key, out object? value) ? value switch
    {
        byte v => v,
        sbyte v => v,
        ushort v => v,
        short v => v,
        uint v => v,
        int v => v,
        ulong v => (long)v,
        long v => v,
        _ => throw Bad(Path, $"metadata '{key}' is {value.GetType().Name}, expected an integer"),
    } : null;

    /// <summary>A float metadata value (f32 or f64), or null when absent; an f32 becomes the double of its shortest decimal form (1e-6, not 9.99999997e-7).</summary>
    public double? GetFloat(string key) => Metadata.TryGetValue(key, out object? value) ? value switch
    {
        float v => double.Parse(v.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
        double v => v,
        _ => throw Bad(Path, $"metadata '{key}' is {value.GetType().Name}, expected a float"),
    } : null;

    internal static ModelLoadException Bad(string path, string what) => new($"{path}: {what}");

    private static string ReadString(BinaryReader reader, string path)
    {
        ulong n = reader.ReadUInt64();
        if (n > (ulong)(reader.BaseStream.Length - reader.BaseStream.Position))
            throw Bad(path, $"a string of {n} bytes at byte {reader.BaseStream.Position - 8} runs past the end of the file: corrupt or truncated");
        byte[] bytes = reader.ReadBytes((int)n);
        return Encoding.UTF8.GetString(bytes);
    }

    private static object ReadValue(BinaryReader reader, GgufValueType type, string path, string key) => type switch
    {
        GgufValueType.UInt8 => reader.ReadByte(),
        GgufValueType.Int8 => reader.ReadSByte(),
        GgufValueType.UInt16 => reader.ReadUInt16(),
        GgufValueType.Int16 => reader.ReadInt16(),
        GgufValueType.UInt32 => reader.ReadUInt32(),
        GgufValueType.Int32 => reader.ReadInt32(),
        GgufValueType.Float32 => reader.ReadSingle(),
        GgufValueType.Bool => reader.ReadByte() != 0,
        GgufValueType.String => ReadString(reader, path),
        GgufValueType.UInt64 => reader.ReadUInt64(),
        GgufValueType.Int64 => reader.ReadInt64(),
        GgufValueType.Float64 => reader.ReadDouble(),
        GgufValueType.Array => ReadArray(reader, path, key),
        _ => throw Bad(path, $"metadata '{key}' has unknown value type {(uint)type}: corrupt"),
    };

    private static object ReadArray(BinaryReader reader, string path, string key)
    {
        var type = (GgufValueType)reader.ReadUInt32();
        ulong count = reader.ReadUInt64();
        long left = reader.BaseStream.Length - reader.BaseStream.Position;
        long minimum = type switch
        {
            GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
            GgufValueType.UInt16 or GgufValueType.Int16 => 2,
            GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
            _ => 8,
        };
        if (count > (ulong)(left / minimum))
            throw Bad(path, $"metadata array '{key}' of {count} items does not fit in the {left} bytes left: corrupt or truncated");
        int n = (int)count;
        switch (type)
        {
            case GgufValueType.String:
                var strings = new string[n];
                for (int i = 0; i < n; i++) strings[i] = ReadString(reader, path);
                return strings;
            case GgufValueType.Int32:
                var ints = new int[n];
                for (int i = 0; i < n; i++) ints[i] = reader.ReadInt32();
                return ints;
            case GgufValueType.UInt32:
                var uints = new uint[n];
                for (int i = 0; i < n; i++) uints[i] = reader.ReadUInt32();
                return uints;
            case GgufValueType.Float32:
                var floats = new float[n];
                for (int i = 0; i < n; i++) floats[i] = reader.ReadSingle();
                return floats;
            default:
                var items = new object[n];
                for (int i = 0; i < n; i++) items[i] = ReadValue(reader, type, path, key);
                return items;
        }
    }
}
