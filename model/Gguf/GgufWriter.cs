using System.Text;

namespace CodeGen.Model.Gguf;

/// <summary>
/// Writes a GGUF (version 3) file: metadata pairs, then a tensor table, then the aligned tensor data. Tensors are
/// given in PyTorch order (outermost dimension first, row-major bytes); the table stores ggml's reversed order.
/// Tensor bytes are produced one tensor at a time while writing, so a model need not be held twice in memory.
/// </summary>
public sealed class GgufWriter
{
    private readonly List<(string Key, GgufValueType Type, object Value)> _metadata = [];
    private readonly List<(string Name, long[] Dimensions, GgufTensorType Type, Func<byte[]> Bytes)> _tensors = [];

    /// <summary>Data alignment (general.alignment is written only when it differs from 32).</summary>
    public int Alignment { get; init; } = GgufFile.DefaultAlignment;

    /// <summary>Adds a string value.</summary>
    public void Add(string key, string value) => _metadata.Add((key, GgufValueType.String, value));

    /// <summary>Adds a uint32 value.</summary>
    public void Add(string key, uint value) => _metadata.Add((key, GgufValueType.UInt32, value));

    /// <summary>Adds an int32 value.</summary>
    public void Add(string key, int value) => _metadata.Add((key, GgufValueType.Int32, value));

    /// <summary>Adds a float32 value.</summary>
    public void Add(string key, float value) => _metadata.Add((key, GgufValueType.Float32, value));

    /// <summary>Adds a bool value.</summary>
    public void Add(string key, bool value) => _metadata.Add((key, GgufValueType.Bool, value));

    /// <summary>Adds an array of strings.</summary>
    public void Add(string key, string[] values) => _metadata.Add((key, GgufValueType.Array, values));

    /// <summary>Adds an array of int32.</summary>
    public void Add(string key, int[] values) => _metadata.Add((key, GgufValueType.Array, values));

    /// <summary>Adds an array of float32.</summary>
    public void Add(string key, float[] values) => _metadata.Add((key, GgufValueType.Array, values));

    /// <summary>Adds a tensor of <paramref name="shape"/> (outermost first) whose bytes <paramref name="bytes"/> returns when written.</summary>
    public void AddTensor(string name, long[] shape, GgufTensorType type, Func<byte[]> bytes) =>
        _tensors.Add((name, [.. shape.Reverse()], type, bytes));

    /// <summary>Writes the file.</summary>
    /// <exception cref="InvalidDataException">A tensor's bytes do not match its shape and type.</exception>
    public void Write(string path)
    {
        string? directory = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using FileStream stream = new(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        using BinaryWriter writer = new(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(GgufFile.Magic);
        writer.Write(3u);
        writer.Write((ulong)_tensors.Count);
        bool writeAlignment = Alignment != GgufFile.DefaultAlignment;
        writer.Write((ulong)(_metadata.Count + (writeAlignment ? 1 : 0)));
        if (writeAlignment)
        {
            WriteString(writer, "general.alignment");
            writer.Write((uint)GgufValueType.UInt32);
            writer.Write((uint)Alignment);
        }
        foreach ((string key, GgufValueType type, object value) in _metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)type);
            WriteValue(writer, value);
        }
        long offset = 0;
        var sizes = new long[_tensors.Count];
        for (int i = 0; i < _tensors.Count; i++)
        {
            (string name, long[] dims, GgufTensorType type, _) = _tensors[i];
            WriteString(writer, name);
            writer.Write((uint)dims.Length);
            foreach (long d in dims) writer.Write((ulong)d);
            writer.Write((uint)type);
            writer.Write((ulong)offset);
            sizes[i] = GgufTypes.ByteCount(type, dims.Aggregate(1L, (a, b) => a * b));
            offset += Align(sizes[i]);
        }
        Pad(writer);
        for (int i = 0; i < _tensors.Count; i++)
        {
            byte[] bytes = _tensors[i].Bytes();
            if (bytes.LongLength != sizes[i])
                throw new InvalidDataException($"tensor '{_tensors[i].Name}': {bytes.LongLength} bytes given, its shape and type {_tensors[i].Type} need {sizes[i]}");
            writer.Write(bytes);
            Pad(writer);
        }
    }

    private long Align(long n) => (n + Alignment - 1) / Alignment * Alignment;

    private void Pad(BinaryWriter writer)
    {
        long position = writer.BaseStream.Position;
        for (long p = position; p < Align(position); p++) writer.Write((byte)0);
    }

    private static void WriteString(BinaryWriter writer, string value)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(value);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, object value)
    {
        switch (value)
        {
            case string s: WriteString(writer, s); break;
            case uint u: writer.Write(u); break;
            case int i: writer.Write(i); break;
            case float f: writer.Write(f); break;
            case bool b: writer.Write((byte)(b ? 1 : 0)); break;
            case string[] strings:
                writer.Write((uint)GgufValueType.String);
                writer.Write((ulong)strings.Length);
                foreach (string s in strings) WriteString(writer, s);
                break;
            case int[] ints:
                writer.Write((uint)GgufValueType.Int32);
                writer.Write((ulong)ints.Length);
                foreach (int i in ints) writer.Write(i);
                break;
            case float[] floats:
                writer.Write((uint)GgufValueType.Float32);
                writer.Write((ulong)floats.Length);
                foreach (float f in floats) writer.Write(f);
                break;
            default: throw new ArgumentException($"unsupported GGUF value {value.GetType()}");
        }
    }
}
