using System.Text.Json.Serialization;

namespace CodeGen.Lsp.Client;

// The body of POST /v1/completions that the language server sends (the server's wire names). Always
// streamed: text arrives as it is generated, so a request whose beginning no longer fits what the user
// typed can be dropped early (CompletionEngine).
// Suffix: Text after the cursor (fill-in-the-middle); null leaves the field out.
// Constrain: The server's constrained decoding for the document's language ("none" by default).
internal sealed record ServerCompletionRequest(
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("suffix")] string? Suffix,
    [property: JsonPropertyName("max_tokens")] int MaxTokens,
    [property: JsonPropertyName("temperature")] double Temperature,
    [property: JsonPropertyName("stop")] IReadOnlyList<string> Stop,
    [property: JsonPropertyName("constrain")] string Constrain)
{
    [JsonPropertyName("stream")]
    public bool Stream => true;
}
