using System.Text.Json.Serialization;

namespace CodeGen.Server.Endpoints;

/// <summary>The OpenAI error body: {"error": {"message": ..., "type": ...}} (plus "code" where OpenAI gives one).</summary>
internal sealed record ApiError(ApiErrorDetail Error)
{
    public static IResult Result(int status, string message, string type, string? code = null) =>
        Results.Json(new ApiError(new ApiErrorDetail(message, type) { Code = code }), statusCode: status);
}

/// <summary>The error's message and type ("invalid_request_error", "authentication_error", ...).</summary>
internal sealed record ApiErrorDetail(string Message, string Type)
{
    /// <summary>OpenAI's machine-readable code, e.g. "model_not_found"; omitted when null.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Code { get; init; }
}
