using CodeGen.Lsp.Completion;
using CodeGen.Lsp.Handlers;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace CodeGen.Lsp;

// One LSP session over a pair of streams: the base protocol (Content-Length headers, JSON-RPC 2.0) from
// StreamJsonRpc, dispatching to our handlers one message at a time in arrival order.
internal sealed class LanguageServer(LspOptions options, ILoggerFactory loggerFactory)
{
    public LspOptions Options { get; } = options;

    // The documents the client has open.
    public DocumentStore Documents { get; } = new();

    // Serves until the client sends exit, closes the stream, or cancellationToken fires. Returns the process
    // exit code: 0 when shutdown came first, 1 otherwise.
    public async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        var lifecycle = new ServerLifecycle();
        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.CreateOptions() };
        using var rpc = new JsonRpc(new HeaderDelimitedMessageHandler(output, input, formatter))
        {
            // didChange edits must apply in the order sent: one handler at a time, in arrival order
            // (set here rather than left to the library default).
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
        };
        rpc.AddLocalRpcTarget(new LifecycleHandler(lifecycle, loggerFactory.CreateLogger<LifecycleHandler>()));
        rpc.AddLocalRpcTarget(new TextDocumentSyncHandler(lifecycle, Documents, loggerFactory.CreateLogger<TextDocumentSyncHandler>()));
        rpc.StartListening();

        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using CancellationTokenRegistration registration = cancellationToken.Register(() => cancelled.TrySetResult());
        Task ended = await Task.WhenAny(lifecycle.Exited, rpc.Completion, cancelled.Task);

        // On exit the connection closes at once: LSP clients send exit only after the shutdown
        // response has arrived, so no answer the client still waits for is lost.
        if (ended == rpc.Completion)
        {
            ILogger logger = loggerFactory.CreateLogger<LanguageServer>();
            if (rpc.Completion.Exception is { } exception)
            {
                LogMessages.ConnectionFailed(logger, exception.GetBaseException());
            }
            else
            {
                LogMessages.ClientDisconnected(logger);
            }
        }

        return lifecycle.ExitCode;
    }
}
