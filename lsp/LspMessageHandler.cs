using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace CodeGen.Lsp;

// LSP's base protocol (Content-Length framed JSON) that survives a malformed message: a body that is not
// JSON-RPC answers a parse error (-32700, id null, as JSON-RPC 2.0 specifies) and reading goes on with the
// next message, where StreamJsonRpc alone would drop the connection.
internal sealed class LspMessageHandler(Stream output, Stream input, IJsonRpcMessageFormatter formatter)
    : HeaderDelimitedMessageHandler(output, input, formatter)
{
    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await base.ReadCoreAsync(cancellationToken);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException or InvalidOperationException
                                          && !cancellationToken.IsCancellationRequested)
            {
                await WriteAsync(
                    new JsonRpcError
                    {
                        RequestId = RequestId.Null,
                        Error = new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.ParseError, Message = $"Malformed message: {e.Message}" },
                    },
                    cancellationToken);
            }
        }
    }
}
