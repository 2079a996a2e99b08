namespace CodeGen.Eval.Generation;

// The problem's prompt with the requested max_tokens does not fit the model's context: the server said so
// (a 400 naming the prompt's length), or its usage.prompt_tokens plus max_tokens exceeds the context that
// /v1/models advertises. The runner records the problem's samples as prompt_too_long and goes on.
internal sealed class PromptTooLongException : Exception
{
    public PromptTooLongException()
    {
    }

    public PromptTooLongException(string message)
        : base(message)
    {
    }

    public PromptTooLongException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public PromptTooLongException(int? promptTokens, int maxTokens, int? context, string? serverMessage = null)
        : base(Describe(promptTokens, maxTokens, context, serverMessage))
    {
        PromptTokens = promptTokens;
        MaxTokens = maxTokens;
        Context = context;
    }

    public int? PromptTokens { get; }

    public int MaxTokens { get; }

    public int? Context { get; }

    private static string Describe(int? promptTokens, int maxTokens, int? context, string? serverMessage) =>
        $"prompt_too_long: prompt {(promptTokens is int p ? $"{p} tokens" : "of unknown length")} + max_tokens {maxTokens} > context "
        + (context is int c ? $"{c} tokens" : "unknown")
        + (serverMessage is null ? "" : $" (server: {serverMessage})");
}
