using CodeGen.Lsp.Client;
using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Handlers;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace CodeGen.Lsp;

// One LSP session over a pair of streams: the base protocol (Content-Length headers, JSON-RPC 2.0) from
// StreamJsonRpc, dispatching to our handlers one message at a time in arrival order.
// handler, time: The HTTP stack and clock to use (tests pass fakes; default the real ones).
internal sealed class LanguageServer
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly RpcClientLog _clientLog;
    private readonly CompletionClient _client;

    public LanguageServer(LspOptions options, ILoggerFactory loggerFactory, HttpMessageHandler? handler = null, TimeProvider? time = null)
    {
        _loggerFactory = loggerFactory;
        time ??= TimeProvider.System;
        Options = options;
        Settings = new LiveSettings(LspSettings.FromOptions(options));
        Workspace = new WorkspaceIndex(loggerFactory.CreateLogger<WorkspaceIndex>());
        _clientLog = new RpcClientLog(loggerFactory.CreateLogger<RpcClientLog>());
        _client = new CompletionClient(
            handler ?? new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) },
            time,
            _clientLog,
            loggerFactory.CreateLogger<CompletionClient>());
        Engine = new CompletionEngine(Documents, Workspace, _client, () => Settings.Current, time, loggerFactory.CreateLogger<CompletionEngine>());
    }

    public LspOptions Options { get; }

    // The documents the client has open.
    public DocumentStore Documents { get; } = new();

    public LiveSettings Settings { get; }

    public WorkspaceIndex Workspace { get; }

    public CompletionEngine Engine { get; }

    // Serves until the client sends exit, closes the stream, or cancellationToken fires. Returns the process
    // exit code: 0 when shutdown came first, 1 otherwise.
    public async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        var lifecycle = new ServerLifecycle();
        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.CreateOptions() };
        using var rpc = new LspJsonRpc(new LspMessageHandler(output, input, formatter))
        {
            // didChange edits must apply in the order sent: one handler at a time, in arrival order
            // (set here rather than left to the library default). Completion handlers await without holding
            // it, so keystrokes keep flowing while a suggestion is on its way.
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),

            // An editor that goes away takes its pending completions with it: their HTTP requests are aborted.
            CancelLocallyInvokedMethodsWhenConnectionIsClosed = true,
        };
        ILogger<LifecycleHandler> lifecycleLogger = _loggerFactory.CreateLogger<LifecycleHandler>();
        rpc.AddLocalRpcTarget(new LifecycleHandler(lifecycle, Documents, Settings, Workspace, Engine, _clientLog, lifecycleLogger));
        rpc.AddLocalRpcTarget(new TextDocumentSyncHandler(lifecycle, Documents, Engine, _loggerFactory.CreateLogger<TextDocumentSyncHandler>()));
        rpc.AddLocalRpcTarget(new CompletionHandler(lifecycle, Engine));
        rpc.AddLocalRpcTarget(new WorkspaceHandler(lifecycle, Settings, _clientLog));
        _clientLog.Attach(rpc);
        rpc.StartListening();

        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using CancellationTokenRegistration registration = cancellationToken.Register(() => cancelled.TrySetResult());
        Task ended = await Task.WhenAny(lifecycle.Exited, rpc.Completion, cancelled.Task);

        // On exit the connection closes at once: LSP clients send exit only after the shutdown
        // response has arrived, so no answer the client still waits for is lost.
        if (ended == rpc.Completion)
        {
            ILogger logger = _loggerFactory.CreateLogger<LanguageServer>();
            if (rpc.Completion.Exception is { } exception)
            {
                LogMessages.ConnectionFailed(logger, exception.GetBaseException());
            }
            else
            {
                LogMessages.ClientDisconnected(logger);
            }
        }

        _client.Dispose();
        return lifecycle.ExitCode;
    }
}
