using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeGen.Training.Data;

/// <summary>shards.json: the packing parameters and the shard files with their hashes.</summary>
internal sealed record ShardIndex(
    int SeqLen,
    int VocabSize,
    double ValidationFraction,
    string TokenizerSha256,
    string ManifestSha256,
    IReadOnlyList<ShardEntry> Shards)
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>One shard file: its name, sequence count and SHA-256.</summary>
internal sealed record ShardEntry(string File, long Sequences, string Sha256);
