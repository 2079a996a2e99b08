namespace CodeGen.Server.OpenAi;

/// <summary>A request the API rejects with <see cref="Status"/> (400 unless said otherwise) and this message.</summary>
/// <param name="message">What is wrong, naming the field.</param>
/// <param name="status">The HTTP status: 400, or 404 for a model this server does not serve.</param>
/// <param name="code">OpenAI's error code (e.g. "model_not_found"), or null.</param>
internal sealed class RequestValidationException(string message, int status = 400, string? code = null) : Exception(message)
{
    public int Status => status;

    public string? Code => code;
}
