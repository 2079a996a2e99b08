using CodeGen.Lsp.Client;
using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// initialize, initialized, shutdown and exit. initialize negotiates the position encoding, applies
// initializationOptions and starts reading the workspace folder in the background.
internal sealed class LifecycleHandler(
    ServerLifecycle lifecycle,
    DocumentStore documents,
    LiveSettings settings,
    WorkspaceIndex workspace,
    CompletionEngine engine,
    IClientLog clientLog,
    ILogger<LifecycleHandler> logger)
{
    // Characters typed that make clients ask for completion items (inline completion needs none).
    public static IReadOnlyList<string> TriggerCharacters { get; } = [".", "(", " "];

    // What initialize advertises, for the negotiated encoding.
    public static InitializeResult ResultFor(string positionEncoding) => new(
        new ServerCapabilities(
            PositionEncoding: positionEncoding,
            TextDocumentSync: new TextDocumentSyncOptions(OpenClose: true, Change: TextDocumentSyncKind.Incremental),
            CompletionProvider: new CompletionOptions(TriggerCharacters),
            InlineCompletionProvider: new InlineCompletionOptions()),
        new ServerInfo("codegen-lsp"));

    // utf-8 when the client offers it, else LSP's default utf-16 (which every client supports).
    public static string NegotiateEncoding(IReadOnlyList<string>? offered) =>
        offered?.Contains(PositionEncodingKind.Utf8) == true ? PositionEncodingKind.Utf8 : PositionEncodingKind.Utf16;

    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams parameters)
    {
        lifecycle.Initialize();
        LogMessages.Initialized(logger, parameters.ClientInfo?.Name ?? "(unnamed)", parameters.ClientInfo?.Version ?? "", parameters.ProcessId);

        string encoding = NegotiateEncoding(parameters.Capabilities?.General?.PositionEncodings);
        documents.Encoding = encoding == PositionEncodingKind.Utf8 ? PositionEncoding.Utf8 : PositionEncoding.Utf16;

        foreach (string warning in settings.Apply(parameters.InitializationOptions))
        {
            clientLog.Log(MessageType.Warning, warning);
        }

        string? rootUri = parameters.WorkspaceFolders is [{ } first, ..] ? first.Uri : parameters.RootUri;
        if (rootUri is not null && ContextRetriever.FullPath(rootUri) is { } root && Directory.Exists(root))
        {
            engine.WorkspaceRoot = root;
            workspace.Start(root, CancellationToken.None);
        }

        return ResultFor(encoding);
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
