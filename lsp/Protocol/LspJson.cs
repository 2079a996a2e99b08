using System.Text.Json;
using System.Text.Json.Serialization;

namespace CodeGen.Lsp.Protocol;

// How our protocol records map to LSP JSON: camelCase names, optional members left out when null.
internal static class LspJson
{
    public static JsonSerializerOptions CreateOptions() => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
