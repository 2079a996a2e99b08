using Microsoft.Extensions.Logging;

namespace CodeGen.Server.Tests.Engine;

/// <summary>Keeps what the engine logs at warning or above, so a test that sees an error can say which exception caused it.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly List<string> _entries = [];

    public IReadOnlyList<string> Entries
    {
        get
        {
            lock (_entries) return [.. _entries];
        }
    }

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        lock (_entries) _entries.Add($"{formatter(state, exception)}: {exception}");
    }
}
