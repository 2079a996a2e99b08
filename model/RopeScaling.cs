using System.Text.Json.Nodes;

namespace CodeGen.Model;

/// <summary>config.json "rope_scaling": how RoPE is stretched beyond the trained context.</summary>
/// <param name="Type">"linear" (positions divided by Factor) or "dynamic" (NTK-aware base growth past the original context).</param>
/// <param name="Factor">The scaling factor (> 1).</param>
/// <param name="OriginalMaxPositionEmbeddings">The context the base model was trained for, when config.json states it.</param>
public sealed record RopeScaling(string Type, double Factor, int? OriginalMaxPositionEmbeddings)
{
    internal static RopeScaling? Parse(JsonObject? node, string source)
    {
        if (node is null) return null;
        string type = ((string?)node["rope_type"] ?? (string?)node["type"] ?? "default").ToLowerInvariant();
        if (type == "default") return null;
        if (type is not ("linear" or "dynamic"))
            throw new ModelLoadException($"{source}: unsupported rope_scaling type '{type}' (supported: linear, dynamic)");
        double factor = (double?)node["factor"] ?? throw new ModelLoadException($"{source}: rope_scaling needs a 'factor'");
        if (factor < 1.0) throw new ModelLoadException($"{source}: rope_scaling factor must be >= 1, got {factor}");
        return new RopeScaling(type, factor, (int?)node["original_max_position_embeddings"]);
    }

    internal JsonObject ToJson()
    {
        var node = new JsonObject { ["type"] = Type, ["factor"] = Factor };
        if (OriginalMaxPositionEmbeddings is int original) node["original_max_position_embeddings"] = original;
        return node;
    }
}
