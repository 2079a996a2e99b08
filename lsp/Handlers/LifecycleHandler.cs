using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// initialize, initialized, shutdown and exit.
internal sealed class LifecycleHandler(ServerLifecycle lifecycle, ILogger<LifecycleHandler> logger)
{
    // What initialize advertises.
    public static InitializeResult InitializeResult { get; } = new(
        new ServerCapabilities(
            TextDocumentSync: new TextDocumentSyncOptions(OpenClose: true, Change: TextDocumentSyncKind.Incremental),
            CompletionProvider: new CompletionOptions(TriggerCharacters: [".", "(", " "]),
            InlineCompletionProvider: new InlineCompletionOptions()),
        new ServerInfo("codegen-lsp"));

    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams parameters)
    {
        lifecycle.Initialize();
        LogMessages.Initialized(logger, parameters.ClientInfo?.Name ?? "(unnamed)", parameters.ClientInfo?.Version ?? "", parameters.ProcessId);
        return InitializeResult;
    }

    [JsonRpcMethod("initialized")]
    public static void Initialized()
    {
    }

    [JsonRpcMethod("shutdown")]
    public void Shutdown()
    {
        lifecycle.Shutdown();
        LogMessages.ShutdownRequested(logger);
    }

    [JsonRpcMethod("exit")]
    public void Exit()
    {
        int exitCode = lifecycle.Exit();
        LogMessages.ExitRequested(logger, exitCode);
    }
}
