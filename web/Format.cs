using System.Globalization;

namespace CodeGen.Web;

// How the dashboard writes numbers, dates and durations: the same everywhere, whatever the server's culture.
internal static class Format
{
    public const string None = "—";

    public static string Rate(double? value) => value is double v ? v.ToString("0.000", CultureInfo.InvariantCulture) : None;

    public static string Percent(double value) => (value * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%";

    public static string Date(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Decimal(double value, string format = "0.####") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string Milliseconds(double ms) => ms < 1000
        ? ms.ToString("0", CultureInfo.InvariantCulture) + " ms"
        : (ms / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " s";

    public static string Duration(TimeSpan? value) => value switch
    {
        null => None,
        { TotalSeconds: < 60 } d => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + " s",
        { TotalHours: < 1 } d => $"{(int)d.TotalMinutes} min {d.Seconds} s",
        TimeSpan d => $"{(int)d.TotalHours} h {d.Minutes} min",
    };

    public static string Commit(string? commit) => commit is null ? None : commit.Length > 10 ? commit[..10] : commit;
}
