namespace CodeGen.Bench.Serving;

/// <summary>The line level of server-sent events as OpenAI-compatible servers send them: "data: {json}" lines, "data: [DONE]" last.</summary>
internal static class SseParser
{
    /// <summary>The payload that ends an OpenAI stream.</summary>
    public const string Done = "[DONE]";

    /// <summary>
    /// The payload of a "data:" line (one optional space after the colon is dropped, as the SSE spec says);
    /// false for blank lines, comments (":...") and other fields (event:, id:, retry:).
    /// </summary>
    public static bool TryReadData(string line, out string data)
    {
        const string field = "data:";
        if (!line.StartsWith(field, StringComparison.Ordinal))
        {
            data = "";
            return false;
        }
        data = line.AsSpan(field.Length) is [' ', ..] ? line[(field.Length + 1)..] : line[field.Length..];
        data = data.TrimEnd('\r');
        return true;
    }
}
