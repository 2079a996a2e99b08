namespace CodeGen.Server.Endpoints;

/// <summary>The OpenAI error body: {"error": {"message": ..., "type": ...}}.</summary>
internal sealed record ApiError(ApiErrorDetail Error)
{
    public static IResult Result(int status, string message, string type) =>
        Results.Json(new ApiError(new ApiErrorDetail(message, type)), statusCode: status);
}

/// <summary>The error's message and type ("invalid_request_error", "authentication_error", ...).</summary>
internal sealed record ApiErrorDetail(string Message, string Type);
