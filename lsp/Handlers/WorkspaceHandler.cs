using CodeGen.Lsp.Client;
using CodeGen.Lsp.Protocol;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// workspace/didChangeConfiguration: new settings apply from the next request on.
internal sealed class WorkspaceHandler(ServerLifecycle lifecycle, LiveSettings settings, IClientLog clientLog)
{
    [JsonRpcMethod("workspace/didChangeConfiguration", UseSingleObjectParameterDeserialization = true)]
    public void DidChangeConfiguration(DidChangeConfigurationParams parameters)
    {
        if (!lifecycle.AcceptsNotifications)
        {
            return;
        }

        foreach (string warning in settings.Apply(parameters.Settings))
        {
            clientLog.Log(MessageType.Warning, warning);
        }
    }
}
