using System.Globalization;

namespace CodeGen.Web.Runs;

// What the runs page shows, as its query string carries it: ?q=&benchmark=&model=&sort=&dir=&page=&size=.
// Search: text that the run name, model, adapter or commit must contain (case-insensitive).
// Benchmark, Model: exact values to keep (empty: all).
// Sort: a RunSort column key; Descending: its direction.
// Page: 1-based; PageSize: rows per page (clamped to 10-500, default 50).
public sealed record RunsQuery(string? Search, string? Benchmark, string? Model, string Sort, bool Descending, int Page, int PageSize)
{
    public const int DefaultPageSize = 50;

    public static RunsQuery From(string? search, string? benchmark, string? model, string? sort, string? dir, int? page, int? size) => new(
        string.IsNullOrWhiteSpace(search) ? null : search.Trim(),
        string.IsNullOrEmpty(benchmark) ? null : benchmark,
        string.IsNullOrEmpty(model) ? null : model,
        RunSort.IsKnown(sort) ? sort! : RunSort.Default,
        dir is null ? true : dir != "asc",
        Math.Max(1, page ?? 1),
        Math.Clamp(size ?? DefaultPageSize, 10, 500));

    public RunsView Apply(IReadOnlyList<RunRow> all)
    {
        IEnumerable<RunRow> rows = all;
        if (Search is not null)
        {
            rows = rows.Where(r => Contains(r.Name) || Contains(r.Model) || Contains(r.Adapter) || Contains(r.GitCommit));
        }

        if (Benchmark is not null)
        {
            rows = rows.Where(r => r.Benchmark == Benchmark);
        }

        if (Model is not null)
        {
            rows = rows.Where(r => r.Model == Model);
        }

        List<RunRow> matching = [.. RunSort.Apply(rows, Sort, Descending)];
        int pageCount = Math.Max(1, (matching.Count + PageSize - 1) / PageSize);
        int page = Math.Min(Page, pageCount);
        return new RunsView(
            [.. matching.Skip((page - 1) * PageSize).Take(PageSize)],
            matching.Count,
            all.Count,
            page,
            pageCount,
            [.. all.Select(r => r.Benchmark).Distinct().Order(StringComparer.Ordinal)],
            [.. all.Select(r => r.Model).Distinct().Order(StringComparer.Ordinal)]);
    }

    // The link for this query with one column sorted: the same column flips direction, another starts descending
    // (ascending for text columns, where A-Z is what a person expects first).
    public string SortHref(string column)
    {
        bool descending = column == Sort ? !Descending : column is not ("name" or "model" or "adapter" or "benchmark" or "commit");
        return Href(this with { Sort = column, Descending = descending, Page = 1 });
    }

    public string PageHref(int page) => Href(this with { Page = page });

    public static string Href(RunsQuery query)
    {
        var parts = new List<string>();
        Add(parts, "q", query.Search);
        Add(parts, "benchmark", query.Benchmark);
        Add(parts, "model", query.Model);
        if (query.Sort != RunSort.Default || !query.Descending)
        {
            Add(parts, "sort", query.Sort);
            Add(parts, "dir", query.Descending ? "desc" : "asc");
        }

        if (query.Page > 1)
        {
            Add(parts, "page", query.Page.ToString(CultureInfo.InvariantCulture));
        }

        if (query.PageSize != DefaultPageSize)
        {
            Add(parts, "size", query.PageSize.ToString(CultureInfo.InvariantCulture));
        }

        return parts.Count == 0 ? "/" : "/?" + string.Join('&', parts);
    }

    private bool Contains(string? value) => value is not null && value.Contains(Search!, StringComparison.OrdinalIgnoreCase);

    private static void Add(List<string> parts, string name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            parts.Add(name + "=" + Uri.EscapeDataString(value));
        }
    }
}
