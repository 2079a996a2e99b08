using AngleSharp.Dom;
using System.Text.RegularExpressions;
using AngleSharp.Html.Parser;

namespace CodeGen.Web.Tests;

/// <summary>Parses a page the way a browser would, so tests assert the text a person reads.</summary>
internal static partial class Html
{
    public static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    /// <summary>
    /// The element's text as a person reads it: separate elements (cells, badges, cards) apart, runs of whitespace
    /// collapsed to one space.
    /// </summary>
    public static string Text(this IElement element) =>
        SpaceBeforePunctuation().Replace(Collapse(string.Join(' ', element.Descendants<IText>().Select(t => t.Data))), "$1");

    public static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Each body row of a table as its cells' texts.</summary>
    public static List<string[]> Rows(this IDocument document, string tableSelector) =>
        [.. document.QuerySelectorAll(tableSelector + " tbody tr").Select(row => row.QuerySelectorAll("td").Select(td => td.Text()).ToArray())];

    // "<code>x</code>." reads "x." not "x .".
    [GeneratedRegex(@" ([.,;:)])")]
    private static partial Regex SpaceBeforePunctuation();
}
