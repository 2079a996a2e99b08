namespace CodeGen.Eval.Sandbox;

// No sandbox of the requested kind works on this host; generated code must then not run at all.
internal sealed class SandboxUnavailableException : Exception
{
    public SandboxUnavailableException()
    {
    }

    public SandboxUnavailableException(string message)
        : base(message)
    {
    }

    public SandboxUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
