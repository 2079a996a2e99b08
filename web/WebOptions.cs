namespace CodeGen.Web;

/// <summary>What the web app shows and where it listens; parsed and validated from the command line.</summary>
/// <param name="DbPath">The SQLite results store that <c>eval run</c> writes (default <see cref="DefaultDbPath"/>).</param>
/// <param name="Urls">Kestrel addresses, separated by ';' (default <see cref="DefaultUrls"/>: loopback only).</param>
/// <param name="TrainingDir">Directory of training metrics JSONL (default none); read by the training pages to come.</param>
internal sealed record WebOptions(string DbPath, string Urls, string? TrainingDir)
{
    public const string DefaultDbPath = "results.db";

    public const string DefaultUrls = "http://127.0.0.1:5080";
}
