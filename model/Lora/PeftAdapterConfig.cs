using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CodeGen.Model.Lora;

/// <summary>
/// The part of a Hugging Face PEFT adapter_config.json that a plain LoRA adapter needs. Options that change
/// the math in ways we do not implement (fan_in_fan_out, trained biases, DoRA, per-module ranks, fully
/// trained extra modules) are rejected when the file is read.
/// </summary>
public sealed record PeftAdapterConfig
{
    /// <summary>The file name inside an adapter directory.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>"r": the rank of every A (r, in) and B (out, r).</summary>
    public required int Rank { get; init; }

    /// <summary>"lora_alpha": the update is scaled by alpha / r (alpha / √r with rsLoRA).</summary>
    public required double Alpha { get; init; }

    /// <summary>
    /// "target_modules" as a list: a module is targeted when its path equals a name or ends with "." + name
    /// ("q_proj" matches "model.layers.0.self_attn.q_proj"). Empty when <see cref="TargetPattern"/> is set.
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>"target_modules" as a string: a regex that must match the whole module path, or "all-linear".</summary>
    public string? TargetPattern { get; init; }

    /// <summary>"use_rslora": rank-stabilised scaling alpha / √r instead of alpha / r.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>"lora_dropout": the dropout on the update's input it was trained with (inference never applies it).</summary>
    public double Dropout { get; init; }

    /// <summary>"base_model_name_or_path": informational.</summary>
    public string? BaseModel { get; init; }

    /// <summary>The factor applied to B A: alpha / r, or alpha / √r with rsLoRA.</summary>
    public double Scale => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>Whether target_modules selects the module at <paramref name="modulePath"/>, as PEFT decides it.</summary>
    public bool Targets(string modulePath)
    {
        if (TargetPattern == "all-linear") return modulePath != "lm_head";
        if (TargetPattern is not null) return Regex.IsMatch(modulePath, $@"\A(?:{TargetPattern})\z", RegexOptions.CultureInvariant);
        return TargetModules.Any(name => modulePath == name || modulePath.EndsWith("." + name, StringComparison.Ordinal));
    }

    /// <summary>Reads and validates adapter_config.json; <paramref name="path"/> names it in error messages.</summary>
    /// <exception cref="ModelLoadException">Missing file, malformed JSON, or an option we do not support (named).</exception>
    public static PeftAdapterConfig Load(string path)
    {
        if (!File.Exists(path)) throw new ModelLoadException($"Adapter config not found: {path}");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ModelLoadException($"{path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{path} is not valid JSON: {e.Message}", e);
        }

        try
        {
            return Parse(root, path);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // A field of the wrong JSON kind, e.g. "r": "8".
            throw new ModelLoadException($"{path}: malformed adapter config: {e.Message}", e);
        }
    }

    private static PeftAdapterConfig Parse(JsonObject root, string path)
    {
        string peftType = (string?)root["peft_type"] ?? "LORA";
        if (peftType != "LORA") throw new ModelLoadException($"{path}: peft_type '{peftType}' is not supported (only LORA)");
        if ((bool?)root["fan_in_fan_out"] == true)
            throw new ModelLoadException($"{path}: fan_in_fan_out=true is not supported (LoRA weights must be stored as A (r, in), B (out, r))");
        string bias = (string?)root["bias"] ?? "none";
        if (bias != "none") throw new ModelLoadException($"{path}: bias '{bias}' is not supported (only 'none')");
        if ((bool?)root["use_dora"] == true) throw new ModelLoadException($"{path}: use_dora=true is not supported");
        foreach (string key in new[] { "rank_pattern", "alpha_pattern" })
        {
            if (root[key] is JsonObject { Count: > 0 }) throw new ModelLoadException($"{path}: {key} is not supported (one r and lora_alpha for all modules)");
        }
        if (root["modules_to_save"] is JsonArray { Count: > 0 })
            throw new ModelLoadException($"{path}: modules_to_save is not supported (the adapter would replace whole modules)");

        int rank = (int?)root["r"] ?? throw new ModelLoadException($"{path}: missing required field 'r'");
        if (rank <= 0) throw new ModelLoadException($"{path}: r must be positive, got {rank}");
        double alpha = (double?)root["lora_alpha"] ?? throw new ModelLoadException($"{path}: missing required field 'lora_alpha'");
        var config = new PeftAdapterConfig
        {
            Rank = rank,
            Alpha = alpha,
            UseRsLora = (bool?)root["use_rslora"] ?? false,
            Dropout = (double?)root["lora_dropout"] ?? 0,
            BaseModel = (string?)root["base_model_name_or_path"],
        };
        return root["target_modules"] switch
        {
            JsonArray list => config with { TargetModules = list.Select(n => (string?)n ?? "").ToArray() },
            JsonValue pattern => config with { TargetPattern = (string?)pattern },
            _ => throw new ModelLoadException($"{path}: missing required field 'target_modules'"),
        };
    }

    /// <summary>Writes this config as a PEFT adapter_config.json (inference mode).</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = "CAUSAL_LM",
            ["base_model_name_or_path"] = BaseModel,
            ["r"] = Rank,
            ["lora_alpha"] = Alpha,
            ["lora_dropout"] = Dropout,
            ["target_modules"] = TargetPattern is not null
                ? JsonValue.Create(TargetPattern)
                : new JsonArray(TargetModules.Select(name => (JsonNode)name).ToArray()),
            ["use_rslora"] = UseRsLora,
            ["fan_in_fan_out"] = false,
            ["bias"] = "none",
            ["use_dora"] = false,
            ["modules_to_save"] = null,
            ["inference_mode"] = true,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
