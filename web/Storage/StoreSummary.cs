namespace CodeGen.Web.Storage;

// What the page shows about the results store.
// Path: The store's full path.
// RunCount: Rows in runs; 0 unless Status is StoreStatus.HasRuns.
// Error: Why the store could not be read; only for StoreStatus.Unreadable.
internal sealed record StoreSummary(StoreStatus Status, string Path, long RunCount = 0, string? Error = null);
