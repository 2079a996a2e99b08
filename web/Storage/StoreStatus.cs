namespace CodeGen.Web.Storage;

// What the results store file turned out to be.
internal enum StoreStatus
{
    // No file at the path: nothing has been evaluated yet.
    Missing,

    // A SQLite file with a runs table.
    HasRuns,

    // A SQLite file without a runs table: an older or foreign schema.
    NoRunsTable,

    // Something at the path that SQLite cannot read (not a database, a directory, no permission).
    Unreadable,
}
