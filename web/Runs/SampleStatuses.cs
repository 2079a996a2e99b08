namespace CodeGen.Web.Runs;

// The statuses eval stores for a sample, in the order the dashboard lists them, with how it labels and colours
// them (Bootstrap's palette, so charts and badges agree).
internal static class SampleStatuses
{
    public const string Passed = "passed";

    public static readonly IReadOnlyList<string> Known = ["passed", "failed", "runtime_error", "compile_error", "timeout", "sandbox_error", "prompt_too_long"];

    public static string Label(string status) => status switch
    {
        "passed" => "passed",
        "failed" => "failed",
        "runtime_error" => "runtime error",
        "compile_error" => "compile error",
        "timeout" => "timeout",
        "sandbox_error" => "sandbox error",
        "prompt_too_long" => "prompt too long",
        _ => status,
    };

    // Hex colours for charts (Bootstrap 5 success, danger, warning, orange, purple, cyan, secondary).
    public static string Color(string status) => status switch
    {
        "passed" => "#198754",
        "failed" => "#dc3545",
        "runtime_error" => "#fd7e14",
        "compile_error" => "#6f42c1",
        "timeout" => "#ffc107",
        "prompt_too_long" => "#0dcaf0",
        _ => "#6c757d",
    };

    // Bootstrap badge classes for the same colours.
    public static string BadgeClass(string status) => status switch
    {
        "passed" => "text-bg-success",
        "failed" => "text-bg-danger",
        "runtime_error" => "text-bg-warning",
        "compile_error" => "text-bg-info",
        "timeout" => "text-bg-warning",
        "prompt_too_long" => "text-bg-dark",
        _ => "text-bg-secondary",
    };

    // Known statuses first in their order, then any others by name.
    public static IEnumerable<string> InOrder(IEnumerable<string> statuses) =>
        statuses.Distinct().OrderBy(s => Known.Contains(s) ? Known.ToList().IndexOf(s) : Known.Count).ThenBy(s => s, StringComparer.Ordinal);
}
