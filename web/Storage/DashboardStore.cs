using CodeGen.Eval.Storage;
using Microsoft.Data.Sqlite;

namespace CodeGen.Web.Storage;

// The results store as the dashboard sees it: opened read-only through eval's ResultStore for each read (the
// web app never creates, migrates or writes it), with anything odd at the path turned into a StoreRead to show,
// never an exception.
internal sealed class DashboardStore(string path, ILogger<DashboardStore> logger)
{
    // SQLite's generic error: what "no such table" and "no such column" come as.
    private const int SqliteError = 1;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public StoreRead<T> Read<T>(Func<ResultStore, T> query)
    {
        if (Directory.Exists(Path))
        {
            return new StoreRead<T>(StoreStatus.Unreadable, Path, Detail: "it is a directory, not a SQLite file");
        }

        if (!File.Exists(Path))
        {
            return new StoreRead<T>(StoreStatus.Missing, Path);
        }

        int? version = null;
        try
        {
            using ResultStore store = ResultStore.OpenReadOnly(Path);
            version = store.FileSchemaVersion;
            if (!store.HasTables())
            {
                return new StoreRead<T>(StoreStatus.OlderSchema, Path, Detail: "it has no runs and samples tables", FileSchemaVersion: version);
            }

            return new StoreRead<T>(StoreStatus.Ready, Path, query(store), FileSchemaVersion: version);
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == SqliteError && version is not null)
        {
            // The tables are there but lack what this version reads (a column added since).
            return new StoreRead<T>(StoreStatus.OlderSchema, Path, Detail: ex.Message, FileSchemaVersion: version);
        }
        catch (SqliteException ex)
        {
            LogMessages.StoreUnreadable(logger, Path, ex);
            return new StoreRead<T>(StoreStatus.Unreadable, Path, Detail: ex.Message, FileSchemaVersion: version);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException)
        {
            // A row eval would not have written (a date or pass@k JSON that does not parse).
            LogMessages.StoreUnreadable(logger, Path, ex);
            return new StoreRead<T>(StoreStatus.Unreadable, Path, Detail: "a run's row could not be read: " + ex.Message, FileSchemaVersion: version);
        }
        catch (InvalidOperationException ex) when (version is null)
        {
            // OpenReadOnly refuses a store with a newer schema version than this build's eval reads.
            return new StoreRead<T>(StoreStatus.NewerSchema, Path, Detail: ex.Message);
        }
    }
}
