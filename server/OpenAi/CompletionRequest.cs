using CodeGen.Server.Constraints;
using CodeGen.Server.Decoding;

namespace CodeGen.Server.OpenAi;

/// <summary>A validated /v1/completions (or chat) request.</summary>
internal sealed record CompletionRequest
{
    public string? Model { get; init; }
    public IReadOnlyList<int> PromptIds { get; init; } = [];
    public string PromptText { get; init; } = "";
    public int MaxTokens { get; init; } = 16;
    public double Temperature { get; init; } = 1.0;
    public double TopP { get; init; } = 1.0;
    public int TopK { get; init; }
    public double RepetitionPenalty { get; init; } = 1.0;
    public double PresencePenalty { get; init; }
    public double FrequencyPenalty { get; init; }
    public IReadOnlyDictionary<int, float>? LogitBias { get; init; }
    public bool IncludeUsage { get; init; }
    public int N { get; init; } = 1;
    public IReadOnlyList<string> Stop { get; init; } = [];
    public bool Stream { get; init; }
    public int? Seed { get; init; }
    public int? Logprobs { get; init; }
    public bool Echo { get; init; }
    public ISyntaxConstraint? Constraint { get; init; }
    public string ConstraintContext { get; init; } = "";

    /// <summary>The request has a suffix (fill-in-the-middle): the code after the cursor closes what the completion opens.</summary>
    public bool HasSuffix { get; init; }
    public SpeculativeMode Speculative { get; init; }
}
