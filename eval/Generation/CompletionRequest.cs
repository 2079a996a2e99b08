namespace CodeGen.Eval.Generation;

// What to ask the server for one problem.
// Samples: choices wanted (OpenAI `n`). Constrain/Speculative: our server's extensions; null leaves them out
// so any OpenAI-compatible server accepts the request.
internal sealed record CompletionRequest(
    string Prompt,
    int Samples,
    double Temperature,
    int MaxTokens,
    IReadOnlyList<string> Stop,
    string? Model = null,
    string? Constrain = null,
    string? Speculative = null);
