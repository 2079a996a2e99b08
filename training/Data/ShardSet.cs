using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text.Json;

namespace CodeGen.Training.Data;

/// <summary>
/// Packed training data: fixed-length sequences of SeqLen + 1 uint16 token ids (inputs and shifted targets)
/// in binary shards, described by shards.json. Read back memory-mapped; the train/validation split is a
/// deterministic function of each sequence's index.
/// </summary>
internal sealed class ShardSet : IDisposable
{
    public const string IndexFileName = "shards.json";
    private readonly List<(MemoryMappedFile File, MemoryMappedViewAccessor View, long Sequences)> _shards = [];
    private readonly long[] _train;
    private readonly long[] _validation;
    private readonly ushort[] _readBuffer; // Read is called from one thread (the training loop); reused, not allocated per sequence

    private ShardSet(string directory, ShardIndex index)
    {
        Directory = directory;
        Index = index;
        _readBuffer = new ushort[index.SeqLen + 1];
        foreach (ShardEntry entry in index.Shards)
        {
            string path = Path.Combine(directory, entry.File);
            if (!File.Exists(path)) throw new FileNotFoundException($"Shard listed in {IndexFileName} is missing: {path}", path);
            long expected = entry.Sequences * (index.SeqLen + 1) * 2L;
            long actual = new FileInfo(path).Length;
            if (actual != expected) throw new InvalidDataException($"{path}: {actual} bytes, expected {expected} for {entry.Sequences} sequences");
            var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            _shards.Add((file, file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read), entry.Sequences));
        }
        long total = _shards.Sum(s => s.Sequences);
        var train = new List<long>();
        var validation = new List<long>();
        for (long i = 0; i < total; i++) (IsValidation(i, index.ValidationFraction) ? validation : train).Add(i);
        _train = [.. train];
        _validation = [.. validation];
    }

    public string Directory { get; }

    public ShardIndex Index { get; }

    /// <summary>Global indices of training sequences.</summary>
    public IReadOnlyList<long> Train => _train;

    /// <summary>Global indices of validation sequences.</summary>
    public IReadOnlyList<long> Validation => _validation;

    public static ShardSet Open(string directory)
    {
        string indexPath = Path.Combine(directory, IndexFileName);
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"No {IndexFileName} in {directory} (make one with 'training shards')", indexPath);
        ShardIndex index = JsonSerializer.Deserialize<ShardIndex>(File.ReadAllText(indexPath), ShardIndex.Json)
            ?? throw new InvalidDataException($"{indexPath} is empty");
        return new ShardSet(directory, index);
    }

    /// <summary>Copies sequence <paramref name="globalIndex"/> (SeqLen + 1 ids) into <paramref name="destination"/>.</summary>
    public void Read(long globalIndex, Span<long> destination)
    {
        int length = Index.SeqLen + 1;
        foreach ((_, MemoryMappedViewAccessor view, long sequences) in _shards)
        {
            if (globalIndex >= sequences)
            {
                globalIndex -= sequences;
                continue;
            }
            view.ReadArray(globalIndex * length * 2, _readBuffer, 0, length);
            for (int i = 0; i < length; i++) destination[i] = _readBuffer[i];
            return;
        }
        throw new ArgumentOutOfRangeException(nameof(globalIndex));
    }

    /// <summary>Deterministic split: a multiplicative hash of the index compared with the fraction.</summary>
    public static bool IsValidation(long index, double fraction) =>
        (uint)((ulong)index * 2654435761UL) / 4294967296.0 < fraction;

    /// <summary>Lowercase hex SHA-256 of a file.</summary>
    public static string HashFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose()
    {
        foreach ((MemoryMappedFile file, MemoryMappedViewAccessor view, _) in _shards)
        {
            view.Dispose();
            file.Dispose();
        }
    }
}
