namespace CodeGen.Web.Runs;

// Which problems the run page lists, as its query string carries it: ?status=&outcome=&q=&page=.
// Status: problems with at least one sample of this status (empty: any).
// Outcome: "solved" (every sample passed), "unsolved" (none passed), "mixed" (some) or empty for all.
// Search: text the problem id must contain.
internal sealed record ProblemFilter(string? Status, string? Outcome, string? Search, int Page)
{
    public const int PageSize = 100;

    public static readonly IReadOnlyList<(string Key, string Title)> Outcomes = [("solved", "all samples passed"), ("unsolved", "no sample passed"), ("mixed", "some samples passed")];

    public static ProblemFilter From(string? status, string? outcome, string? search, int? page) => new(
        string.IsNullOrEmpty(status) ? null : status,
        Outcomes.Any(o => o.Key == outcome) ? outcome : null,
        string.IsNullOrWhiteSpace(search) ? null : search.Trim(),
        Math.Max(1, page ?? 1));

    public IEnumerable<ProblemRow> Apply(IEnumerable<ProblemRow> problems)
    {
        if (Status is not null)
        {
            problems = problems.Where(p => p.Has(Status));
        }

        if (Search is not null)
        {
            problems = problems.Where(p => p.Problem.Contains(Search, StringComparison.OrdinalIgnoreCase));
        }

        return Outcome switch
        {
            "solved" => problems.Where(p => p.Passed == p.Samples),
            "unsolved" => problems.Where(p => p.Passed == 0),
            "mixed" => problems.Where(p => p.Passed > 0 && p.Passed < p.Samples),
            _ => problems,
        };
    }

    public string Href(long runId, int? page = null)
    {
        var parts = new List<string>();
        if (Status is not null)
        {
            parts.Add("status=" + Uri.EscapeDataString(Status));
        }

        if (Outcome is not null)
        {
            parts.Add("outcome=" + Outcome);
        }

        if (Search is not null)
        {
            parts.Add("q=" + Uri.EscapeDataString(Search));
        }

        int target = page ?? Page;
        if (target > 1)
        {
            parts.Add("page=" + target.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return $"/runs/{runId}" + (parts.Count == 0 ? "" : "?" + string.Join('&', parts));
    }
}
