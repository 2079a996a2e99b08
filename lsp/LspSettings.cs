namespace CodeGen.Lsp;

// What the language server does, from the command line, then initializationOptions, then each
// workspace/didChangeConfiguration (LspSettingsReader). Immutable: a change swaps the whole record.
internal sealed record LspSettings
{
    // Base URL of the CodeGen server (default --server, else http://127.0.0.1:8080).
    public Uri Server { get; init; } = LspOptions.DefaultServer;

    // Bearer key for the server (default --api-key, else none).
    public string? ApiKey { get; init; }

    // max_tokens of each request (default 64: a few lines).
    public int MaxTokens { get; init; } = 64;

    // Sampling temperature (default 0: greedy, so a suggestion is stable and worth caching).
    public double Temperature { get; init; }

    // Quiet time after a keystroke before a request goes out (default 60 ms); explicit invocations skip it.
    public int DebounceMs { get; init; } = 60;

    // Single- or multi-line suggestions (default Auto: single inside a line, multi at a line end).
    public LinePolicy Lines { get; init; } = LinePolicy.Auto;

    // Estimated tokens of the whole prompt, prefix + suffix + context (default 384, sized for the bundled
    // model's former 512-token context; its 2,048 tokens now leave room for more, at a longer prefill per
    // keystroke on a CPU). Characters are budgeted at CharsPerToken each.
    public int PromptTokens { get; init; } = 384;

    // Whether the text after the cursor goes to the server as `suffix` (fill-in-the-middle; default true).
    // False sends the prefix only, for models whose fill-in-the-middle is weak (the bundled one's is:
    // docs/BENCHMARKS.md); the suffix still trims what the suggestion repeats.
    public bool Fim { get; init; } = true;

    // The part of PromptTokens given to other files (default 96; 0 turns repository context off).
    public int ContextTokens { get; init; } = 96;

    // The server's `constrain` per LSP language id (default "none" for every language).
    public IReadOnlyDictionary<string, string> Constrain { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    // One request's time limit (default 5,000 ms); a slower answer is dropped and counts as a failure.
    public int RequestTimeoutMs { get; init; } = 5_000;

    // How long the circuit breaker stays open after repeated failures before it probes again (default 10 s).
    public int BreakMs { get; init; } = 10_000;

    // A conservative characters-per-token estimate for code (our tokenizer averages more).
    public const int CharsPerToken = 3;

    public static LspSettings FromOptions(LspOptions options) => new() { Server = options.Server, ApiKey = options.ApiKey };

    // The constrain value for a document's language.
    public string ConstrainFor(string languageId) => Constrain.GetValueOrDefault(languageId, "none");

    // Records print every property; the key must not reach a log.
    public override string ToString() =>
        $"{nameof(LspSettings)} {{ Server = {Server}, ApiKey = {(ApiKey is null ? "(none)" : "(set)")}, MaxTokens = {MaxTokens}, " +
        $"Temperature = {Temperature}, DebounceMs = {DebounceMs}, Lines = {Lines}, PromptTokens = {PromptTokens}, " +
        $"ContextTokens = {ContextTokens}, Fim = {Fim}, RequestTimeoutMs = {RequestTimeoutMs}, BreakMs = {BreakMs} }}";
}
