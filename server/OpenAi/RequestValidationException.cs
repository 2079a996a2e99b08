namespace CodeGen.Server.OpenAi;

/// <summary>A request the API rejects with 400 and this message.</summary>
internal sealed class RequestValidationException(string message) : Exception(message);
