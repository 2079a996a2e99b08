namespace CodeGen.Web.Storage;

/// <summary>What the page shows about the results store.</summary>
/// <param name="Path">The store's full path.</param>
/// <param name="RunCount">Rows in <c>runs</c>; 0 unless <see cref="Status"/> is <see cref="StoreStatus.HasRuns"/>.</param>
/// <param name="Error">Why the store could not be read; only for <see cref="StoreStatus.Unreadable"/>.</param>
internal sealed record StoreSummary(StoreStatus Status, string Path, long RunCount = 0, string? Error = null);
