namespace CodeGen.Web.Storage;

// What the results store file turned out to be.
public enum StoreStatus
{
    // A store this dashboard reads; the query ran.
    Ready,

    // No file at the path: nothing has been evaluated yet.
    Missing,

    // A SQLite file without eval's tables or columns: written by an older eval (or not by eval at all).
    OlderSchema,

    // A store written by a newer eval than the one this dashboard was built with.
    NewerSchema,

    // Something at the path that SQLite cannot read (not a database, a directory, no permission).
    Unreadable,
}
