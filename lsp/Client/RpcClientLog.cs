using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace CodeGen.Lsp.Client;

// window/logMessage notifications to the editor, once the connection exists (messages before it only reach
// our own log).
internal sealed class RpcClientLog(ILogger logger) : IClientLog
{
    private JsonRpc? _rpc;

    public void Attach(JsonRpc rpc) => _rpc = rpc;

    public void Log(MessageType type, string message)
    {
        if (_rpc is { } rpc)
        {
            _ = NotifyAsync(rpc, new LogMessageParams(type, message));
        }
    }

    private async Task NotifyAsync(JsonRpc rpc, LogMessageParams parameters)
    {
        try
        {
            await rpc.NotifyWithParameterObjectAsync("window/logMessage", parameters);
        }
        catch (Exception e) when (e is ConnectionLostException or ObjectDisposedException)
        {
            LogMessages.ClientLogLost(logger, parameters.Message, e);
        }
    }
}
