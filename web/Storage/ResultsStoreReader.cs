using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace CodeGen.Web.Storage;

// Reads the results store that eval run writes, strictly read-only: the web app never creates, migrates or
// locks it for writing. Anything odd at the path becomes a StoreSummary to show, never an exception.
internal sealed class ResultsStoreReader(string path, ILogger<ResultsStoreReader> logger)
{
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public StoreSummary Read()
    {
        if (Directory.Exists(Path))
        {
            return new StoreSummary(StoreStatus.Unreadable, Path, Error: "it is a directory, not a SQLite file");
        }

        if (!File.Exists(Path))
        {
            return new StoreSummary(StoreStatus.Missing, Path);
        }

        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadOnly,
            // One short read per page view; pooling would keep the file open after eval replaces it.
            Pooling = false,
        }.ToString();

        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            if (!HasRunsTable(connection))
            {
                return new StoreSummary(StoreStatus.NoRunsTable, Path);
            }

            using SqliteCommand count = connection.CreateCommand();
            count.CommandText = "SELECT COUNT(*) FROM runs";
            return new StoreSummary(StoreStatus.HasRuns, Path, RunCount: (long)count.ExecuteScalar()!);
        }
        catch (SqliteException ex)
        {
            LogMessages.StoreUnreadable(logger, Path, ex);
            return new StoreSummary(StoreStatus.Unreadable, Path, Error: ex.Message);
        }
    }

    private static bool HasRunsTable(SqliteConnection connection)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'runs' COLLATE NOCASE";
        return (long)command.ExecuteScalar()! > 0;
    }
}
