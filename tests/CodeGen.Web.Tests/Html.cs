using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace CodeGen.Web.Tests;

/// <summary>Parses a page the way a browser would, so tests assert the text a person reads.</summary>
internal static class Html
{
    public static IDocument Parse(string html) => new HtmlParser().ParseDocument(html);

    /// <summary>The element's text with runs of whitespace collapsed to one space.</summary>
    public static string Text(this IElement element) => Collapse(element.TextContent);

    public static string Collapse(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>Each body row of a table as its cells' texts.</summary>
    public static List<string[]> Rows(this IDocument document, string tableSelector) =>
        [.. document.QuerySelectorAll(tableSelector + " tbody tr").Select(row => row.QuerySelectorAll("td").Select(td => td.Text()).ToArray())];
}
