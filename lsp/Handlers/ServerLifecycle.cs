using CodeGen.Lsp.Protocol;
using StreamJsonRpc;

namespace CodeGen.Lsp.Handlers;

/// <summary>
/// LSP's lifecycle: nothing but initialize (and exit) is served before initialize; after shutdown
/// only exit is. The exit code is 0 when shutdown came before exit, 1 otherwise.
/// </summary>
internal sealed class ServerLifecycle
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource<int> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _initialized;
    private bool _shutdownRequested;

    /// <summary>Completes with the exit code when the client sends exit.</summary>
    public Task<int> Exited => _exited.Task;

    /// <summary>0 once shutdown has been requested, else 1.</summary>
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

    /// <summary>Whether document notifications are processed now (between initialize and shutdown).</summary>
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

    /// <exception cref="LocalRpcException">initialize came twice, or after shutdown.</exception>
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

    /// <summary>Throws the LSP error a request gets when it arrives before initialize or after shutdown.</summary>
    /// <exception cref="LocalRpcException">Not initialized (-32002) or shut down (-32600).</exception>
    public void EnsureServingRequests()
    {
        lock (_gate)
        {
            ThrowIfNotServing();
        }
    }

    /// <exception cref="LocalRpcException">Not initialized, or shutdown came already.</exception>
    public void Shutdown()
    {
        lock (_gate)
        {
            ThrowIfNotServing();
            _shutdownRequested = true;
        }
    }

    /// <summary>Records exit and returns the exit code it implies.</summary>
    public int Exit()
    {
        int exitCode = ExitCode;
        _exited.TrySetResult(exitCode);
        return exitCode;
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
