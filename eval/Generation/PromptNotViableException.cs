namespace CodeGen.Eval.Generation;

// A constrained request refused because the prompt itself is not the beginning of valid code (some MultiPL-E prompts
// are not valid C#): no completion can satisfy the constraint. ServerCompletions answers it with empty completions,
// so the problem is still run and judged like any other, and the run goes on.
internal sealed class PromptNotViableException : Exception
{
    public PromptNotViableException()
    {
    }

    public PromptNotViableException(string message)
        : base(message)
    {
    }

    public PromptNotViableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
