namespace CodeGen.Lsp.Client;

// The server answered with a status that says it, not the request, is at fault (5xx, 429): counts toward
// opening the circuit breaker.
internal sealed class ServerFailureException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}
