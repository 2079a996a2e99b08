namespace CodeGen.Bench.Serving;

/// <summary>The outcome of one streamed completion request, as the client saw it.</summary>
internal sealed record StreamResult
{
    /// <summary>Why the request failed ("HTTP 503", "timeout", "stream error", ...); null when it succeeded or was cancelled on purpose.</summary>
    public string? Error { get; init; }

    /// <summary>The client disconnected mid-stream on purpose (soak workload).</summary>
    public bool Disconnected { get; init; }

    /// <summary>Generated tokens: usage.completion_tokens when the server sent it, else text-bearing events.</summary>
    public int Tokens { get; init; }

    /// <summary>Seconds from sending the request to the first text-bearing event; null when none arrived.</summary>
    public double? TimeToFirstToken { get; init; }

    /// <summary>Seconds between successive text-bearing events.</summary>
    public IReadOnlyList<double> InterTokenLatencies { get; init; } = [];
}
