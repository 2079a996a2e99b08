namespace CodeGen.Web;

// What the web app shows and where it listens; parsed and validated from the command line.
// DbPath: The SQLite results store that eval run writes (default DefaultDbPath).
// Urls: Kestrel addresses, separated by ';' (default DefaultUrls: loopback only).
// TrainingDir: Directory of training metrics (DIR/metrics.jsonl and DIR/*/metrics.jsonl) for the training page
// (default none: the page says how to pass one).
internal sealed record WebOptions(string DbPath, string Urls, string? TrainingDir)
{
    public const string DefaultDbPath = "results.db";

    public const string DefaultUrls = "http://127.0.0.1:5080";
}
