namespace CodeGen.Eval.Generation;

// The completion server failed or answered something that is not an OpenAI completion response.
internal sealed class CompletionClientException : Exception
{
    public CompletionClientException()
    {
    }

    public CompletionClientException(string message)
        : base(message)
    {
    }

    public CompletionClientException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
