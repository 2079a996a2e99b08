using System.Text.Json;

namespace CodeGen.Lsp;

// Reads our settings from initializationOptions or didChangeConfiguration's settings (at the top level or
// under "codegen"). A field that is absent keeps its current value; a field with a bad value is skipped
// with a warning naming it, so one typo does not discard the rest.
internal static class LspSettingsReader
{
    public static LspSettings Apply(LspSettings current, JsonElement? json, List<string> warnings)
    {
        if (json is not { ValueKind: JsonValueKind.Object } root)
        {
            return current;
        }

        if (root.TryGetProperty("codegen", out JsonElement nested) && nested.ValueKind == JsonValueKind.Object)
        {
            root = nested;
        }

        LspSettings s = current;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            JsonElement v = property.Value;
            LspSettings? next = property.Name switch
            {
                "serverUrl" => Url(v) is { } url ? s with { Server = url } : null,
                "apiKey" => v.ValueKind == JsonValueKind.Null ? s with { ApiKey = null }
                    : v.ValueKind == JsonValueKind.String ? s with { ApiKey = v.GetString()!.Length == 0 ? null : v.GetString() } : null,
                "maxTokens" => Int(v, 1, 4096) is int maxTokens ? s with { MaxTokens = maxTokens } : null,
                "temperature" => v.ValueKind == JsonValueKind.Number && v.GetDouble() is var t and >= 0 and <= 2 ? s with { Temperature = t } : null,
                "debounceMs" => Int(v, 0, 2000) is int debounce ? s with { DebounceMs = debounce } : null,
                "lines" => Policy(v) is LinePolicy lines ? s with { Lines = lines } : null,
                "promptTokens" => Int(v, 16, 1_000_000) is int prompt ? s with { PromptTokens = prompt } : null,
                "contextTokens" => Int(v, 0, 1_000_000) is int context ? s with { ContextTokens = context } : null,
                "fim" => v.ValueKind is JsonValueKind.True or JsonValueKind.False ? s with { Fim = v.GetBoolean() } : null,
                "constrain" => Constrain(v) is { } constrain ? s with { Constrain = constrain } : null,
                "requestTimeoutMs" => Int(v, 100, 600_000) is int timeout ? s with { RequestTimeoutMs = timeout } : null,
                "breakMs" => Int(v, 500, 3_600_000) is int breakMs ? s with { BreakMs = breakMs } : null,
                _ => s,
            };
            if (next is null)
            {
                warnings.Add($"Setting '{property.Name}' has an invalid value {v.GetRawText()}; it keeps its current value.");
            }
            else
            {
                s = next;
            }
        }

        if (s.ContextTokens >= s.PromptTokens)
        {
            warnings.Add($"Setting 'contextTokens' ({s.ContextTokens}) must be below 'promptTokens' ({s.PromptTokens}); context is off.");
            s = s with { ContextTokens = 0 };
        }

        return s;
    }

    private static Uri? Url(JsonElement v) =>
        v.ValueKind == JsonValueKind.String
        && Uri.TryCreate(v.GetString(), UriKind.Absolute, out Uri? uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) ? uri : null;

    private static int? Int(JsonElement v, int min, int max) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int n) && n >= min && n <= max ? n : null;

    private static LinePolicy? Policy(JsonElement v) => v.ValueKind != JsonValueKind.String ? null : v.GetString() switch
    {
        "auto" => LinePolicy.Auto,
        "single" => LinePolicy.Single,
        "multi" => LinePolicy.Multi,
        _ => null,
    };

    // {"csharp": "csharp", "python": "none"}: language id -> the server's constrain value.
    private static Dictionary<string, string>? Constrain(JsonElement v)
    {
        if (v.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty language in v.EnumerateObject())
        {
            if (language.Value.ValueKind != JsonValueKind.String || language.Value.GetString()!.Length == 0)
            {
                return null;
            }

            map[language.Name] = language.Value.GetString()!;
        }

        return map;
    }
}
