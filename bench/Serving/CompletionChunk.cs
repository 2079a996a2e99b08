using System.Text.Json.Nodes;

namespace CodeGen.Bench.Serving;

/// <summary>What the load generator needs from one streamed /v1/completions event.</summary>
/// <param name="Text">choices[0].text ("" when absent).</param>
/// <param name="FinishReason">choices[0].finish_reason, when set.</param>
/// <param name="CompletionTokens">usage.completion_tokens, when the server sends usage.</param>
/// <param name="Error">error.message of an error event sent mid-stream.</param>
internal sealed record CompletionChunk(string Text, string? FinishReason, int? CompletionTokens, string? Error)
{
    /// <summary>Parses the JSON payload of a data line.</summary>
    /// <exception cref="System.Text.Json.JsonException">The payload is not JSON.</exception>
    public static CompletionChunk Parse(string json)
    {
        JsonObject root = JsonNode.Parse(json) as JsonObject ?? throw new System.Text.Json.JsonException($"expected a JSON object, got: {json}");
        if (root["error"] is JsonNode error)
            return new CompletionChunk("", null, null, (error as JsonObject)?["message"]?.ToString() ?? error.ToJsonString());
        JsonNode? choice = (root["choices"] as JsonArray) is [JsonNode first, ..] ? first : null;
        return new CompletionChunk(
            choice?["text"]?.GetValue<string>() ?? "",
            choice?["finish_reason"]?.GetValue<string>(),
            root["usage"]?["completion_tokens"]?.GetValue<int>(),
            null);
    }
}
