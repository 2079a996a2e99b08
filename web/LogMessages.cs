using Microsoft.Extensions.Logging;

namespace CodeGen.Web;

// Every log message of the web app, with its event id.
internal static partial class LogMessages
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "The results store {Path} could not be read")]
    public static partial void StoreUnreadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "The training metrics file {Path} could not be read")]
    public static partial void TrainingMetricsUnreadable(ILogger logger, string path, Exception exception);
}
