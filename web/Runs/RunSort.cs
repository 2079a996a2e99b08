namespace CodeGen.Web.Runs;

// The runs table's sortable columns, by the name they have in the query string (?sort=pass1).
internal static class RunSort
{
    public const string Default = "date";

    public static readonly IReadOnlyList<(string Key, string Title)> Columns =
    [
        ("name", "Run"), ("model", "Model"), ("adapter", "Adapter"), ("benchmark", "Benchmark"), ("date", "Date"),
        ("samples", "Samples"), ("pass1", "pass@1"), ("passk", "pass@k"), ("duration", "Duration"), ("commit", "Commit"),
    ];

    public static bool IsKnown(string? key) => Columns.Any(c => c.Key == key);

    // Orders rows by one column; runs without a value (unfinished: no pass@1, no duration) go last either way.
    public static IEnumerable<RunRow> Apply(IEnumerable<RunRow> rows, string key, bool descending) => key switch
    {
        "name" => By(rows, r => r.Name, descending, StringComparer.OrdinalIgnoreCase),
        "model" => By(rows, r => r.Model, descending, StringComparer.OrdinalIgnoreCase),
        "adapter" => By(rows, r => r.Adapter, descending, StringComparer.OrdinalIgnoreCase),
        "benchmark" => By(rows, r => r.Benchmark, descending, StringComparer.OrdinalIgnoreCase),
        "samples" => By(rows, r => (int?)r.Samples, descending),
        "pass1" => By(rows, r => r.PassAt1, descending),
        "passk" => By(rows, r => r.PassAtTopK, descending),
        "duration" => By(rows, r => r.Duration, descending),
        "commit" => By(rows, r => r.GitCommit, descending, StringComparer.OrdinalIgnoreCase),
        _ => By(rows, r => (DateTimeOffset?)r.StartedAt, descending),
    };

    private static IOrderedEnumerable<RunRow> By<TKey>(IEnumerable<RunRow> rows, Func<RunRow, TKey?> key, bool descending, IComparer<TKey?>? comparer = null)
    {
        comparer ??= Comparer<TKey?>.Default;
        IOrderedEnumerable<RunRow> present = rows.OrderBy(r => key(r) is null);
        IOrderedEnumerable<RunRow> ordered = descending ? present.ThenByDescending(key, comparer) : present.ThenBy(key, comparer);
        // Ties keep a stable, newest-first order.
        return ordered.ThenByDescending(r => r.Id);
    }
}
