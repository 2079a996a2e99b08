namespace CodeGen.Web.Storage;

/// <summary>What the results store file turned out to be.</summary>
internal enum StoreStatus
{
    /// <summary>No file at the path: nothing has been evaluated yet.</summary>
    Missing,

    /// <summary>A SQLite file with a <c>runs</c> table.</summary>
    HasRuns,

    /// <summary>A SQLite file without a <c>runs</c> table: an older or foreign schema.</summary>
    NoRunsTable,

    /// <summary>Something at the path that SQLite cannot read (not a database, a directory, no permission).</summary>
    Unreadable,
}
