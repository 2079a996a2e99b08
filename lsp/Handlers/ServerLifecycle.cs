using CodeGen.Lsp.Protocol;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

// LSP's lifecycle: nothing but initialize (and exit) is served before initialize; after shutdown only exit
// is. The exit code is 0 when shutdown came before exit, 1 otherwise.
internal sealed class ServerLifecycle
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _initialized;
    private bool _shutdownRequested;

    // Completes with the exit code when the client sends exit.
    public Task<int> Exited => _exited.Task;

    // 0 once shutdown has been requested, else 1.
    public int ExitCode
    {
        get
        {
            lock (_gate)
            {
                return _shutdownRequested ? 0 : 1;
            }
        }
    }

    // Whether document notifications are processed now (between initialize and shutdown).
    public bool AcceptsNotifications
    {
        get
        {
            lock (_gate)
            {
                return _initialized && !_shutdownRequested;
            }
        }
    }

    // Throws LocalRpcException: initialize came twice, or after shutdown.
    public void Initialize()
    {
        lock (_gate)
        {
            if (_initialized)
            {
                throw Error(LspErrorCodes.InvalidRequest, "initialize may be sent only once.");
            }

            _initialized = true;
        }
    }

    // Throws LocalRpcException: not initialized (-32002), or shutdown came already (-32600).
    public void Shutdown()
    {
        lock (_gate)
        {
            ThrowIfNotServing();
            _shutdownRequested = true;
        }
    }

    // Records exit and returns the exit code it implies.
    public int Exit()
    {
        int exitCode = ExitCode;
        _exited.TrySetResult(exitCode);
        return exitCode;
    }

    // The errors LSP gives a request that arrives before initialize or after shutdown.
    // Throws LocalRpcException: not initialized (-32002), or shutdown came already (-32600).
    public void EnsureServing()
    {
        lock (_gate)
        {
            ThrowIfNotServing();
        }
    }

    private void ThrowIfNotServing()
    {
        if (!_initialized)
        {
            throw Error(LspErrorCodes.ServerNotInitialized, "The server has not been initialized.");
        }

        if (_shutdownRequested)
        {
            throw Error(LspErrorCodes.InvalidRequest, "The server is shutting down.");
        }
    }

    private static LocalRpcException Error(int code, string message) => new(message) { ErrorCode = code };
}
