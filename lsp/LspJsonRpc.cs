using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace CodeGen.Lsp;

// StreamJsonRpc's JsonRpc with LSP's error codes: parameters that do not deserialize answer InvalidParams
// (-32602, where the library says -32000), and no error carries our stack trace to the client.
internal sealed class LspJsonRpc(IJsonRpcMessageHandler handler) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        if (exception is LocalRpcException local)
        {
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)local.ErrorCode, Message = local.Message };
        }

        if (exception is JsonException or RemoteSerializationException or ArgumentException)
        {
            return new JsonRpcError.ErrorDetail
            {
                Code = JsonRpcErrorCode.InvalidParams,
                Message = $"Invalid parameters for {request.Method}: {exception.Message}",
            };
        }

        JsonRpcError.ErrorDetail details = base.CreateErrorDetails(request, exception);
        return new JsonRpcError.ErrorDetail { Code = details.Code, Message = details.Message };
    }
}
