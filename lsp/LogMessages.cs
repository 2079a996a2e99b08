using Microsoft.Extensions.Logging;

namespace CodeGen.Lsp;

// Every log message of the language server, with its event id.
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Initialized by {ClientName} {ClientVersion} (process {ProcessId})")]
    public static partial void Initialized(ILogger logger, string clientName, string clientVersion, int? processId);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Shutdown requested")]
    public static partial void ShutdownRequested(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Exit requested; exit code {ExitCode}")]
    public static partial void ExitRequested(ILogger logger, int exitCode);

    [LoggerMessage(EventId = 4, Level = LogLevel.Information, Message = "Client disconnected without exit")]
    public static partial void ClientDisconnected(ILogger logger);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "The JSON-RPC connection failed")]
    public static partial void ConnectionFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 10, Level = LogLevel.Debug, Message = "Opened {Uri} version {Version} ({Length} UTF-16 units)")]
    public static partial void DocumentOpened(ILogger logger, string uri, int version, int length);

    [LoggerMessage(EventId = 11, Level = LogLevel.Trace, Message = "Changed {Uri} to version {Version} ({ChangeCount} edits)")]
    public static partial void DocumentChanged(ILogger logger, string uri, int version, int changeCount);

    [LoggerMessage(EventId = 12, Level = LogLevel.Debug, Message = "Closed {Uri}")]
    public static partial void DocumentClosed(ILogger logger, string uri);

    [LoggerMessage(EventId = 13, Level = LogLevel.Warning, Message = "didChange for {Uri}, which is not open; ignored")]
    public static partial void ChangeForClosedDocument(ILogger logger, string uri);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "didChange to version {Version} of {Uri} rejected; the document keeps its previous text")]
    public static partial void ChangeRejected(ILogger logger, string uri, int version, Exception exception);

    [LoggerMessage(EventId = 15, Level = LogLevel.Debug, Message = "{Method} dropped: the server is not initialized or is shutting down")]
    public static partial void NotificationDropped(ILogger logger, string method);

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Server problem: {Message}")]
    public static partial void ServerProblem(ILogger logger, string message);

    [LoggerMessage(EventId = 21, Level = LogLevel.Information, Message = "Circuit breaker for {Server} half-open: probing")]
    public static partial void BreakerHalfOpen(ILogger logger, string server);

    [LoggerMessage(EventId = 22, Level = LogLevel.Debug, Message = "Generation for {Uri} at offset {Offset} aborted: nobody waits for it")]
    public static partial void GenerationAborted(ILogger logger, string uri, int offset);

    [LoggerMessage(EventId = 23, Level = LogLevel.Debug, Message = "window/logMessage not delivered: {Message}")]
    public static partial void ClientLogLost(ILogger logger, string message, Exception exception);

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Read {Count} workspace files under {Root} for context")]
    public static partial void WorkspaceIndexed(ILogger logger, string root, int count);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Reading workspace files under {Root} failed; context comes from open documents only")]
    public static partial void WorkspaceIndexFailed(ILogger logger, string root, Exception exception);
}
