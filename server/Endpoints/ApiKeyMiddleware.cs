using System.Security.Cryptography;
using System.Text;

namespace CodeGen.Server.Endpoints;

/// <summary>Requires "Authorization: Bearer KEY" on every path but /health when a key is configured.</summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next, string apiKey)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(apiKey);

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Request.Path.StartsWithSegments("/health"))
        {
            await next(context);
            return;
        }
        string header = context.Request.Headers.Authorization.ToString();
        byte[] given = Encoding.UTF8.GetBytes(header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : "");
        if (!CryptographicOperations.FixedTimeEquals(given, _key))
        {
            await ApiError.Result(StatusCodes.Status401Unauthorized, "Missing or invalid API key (send Authorization: Bearer <key>)", "authentication_error")
                .ExecuteAsync(context);
            return;
        }
        await next(context);
    }
}
