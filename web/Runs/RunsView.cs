namespace CodeGen.Web.Runs;

// One page of the runs table after filtering and sorting.
// Rows: the page's rows; Matching: rows that pass the filters; Total: all runs in the store.
// Page, PageCount: 1-based page and how many there are; Benchmarks, Models: the filters' choices.
public sealed record RunsView(
    IReadOnlyList<RunRow> Rows,
    int Matching,
    int Total,
    int Page,
    int PageCount,
    IReadOnlyList<string> Benchmarks,
    IReadOnlyList<string> Models);
