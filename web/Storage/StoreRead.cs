namespace CodeGen.Web.Storage;

// The outcome of one read of the results store: the value when Status is Ready, otherwise why there is none.
// Path: the store's full path.
// Detail: for OlderSchema, NewerSchema and Unreadable, what was found (SQLite's or eval's message).
// FileSchemaVersion: PRAGMA user_version of the file, when it could be read.
public sealed record StoreRead<T>(StoreStatus Status, string Path, T? Value = default, string? Detail = null, int? FileSchemaVersion = null)
{
    public bool IsReady => Status == StoreStatus.Ready;
}
