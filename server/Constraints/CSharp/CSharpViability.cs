using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;

namespace CodeGen.Server.Constraints.CSharp;

/// <summary>
/// Whether a C# text can still be completed into syntactically valid C# by appending text. The whole text is parsed
/// (a full parse of a few KB beats Roslyn's incremental reparse here). With T the last token that has text, the parse
/// is viable when every error is
/// (1) at or after the end of T: the "X expected" family, which appended text supplies;
/// (2) inside an open string, character, interpolated string or comment that runs to the end of the text;
/// (3) CS1524 (catch or finally expected) or CS0145 (a const needs a value) on T; or
/// (4) on T itself while some growth of T (an identifier suffix, a keyword T begins, a longer operator, more digits
///     or an exponent, a closing quote or escape) leaves a parse that passes (1)-(3).
/// Roslyn decides type against expression, generic <c>&lt;</c> and typed lambdas by looking past the end, so a prefix
/// such as <c>Func&lt;long,</c> or <c>(long p, long q</c> raises an error before T; such a prefix is viable when one of
/// a few synthetic continuations (<see cref="Continuations"/>) leaves a parse that passes (1)-(3).
/// </summary>
internal static class CSharpViability
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None, SourceCodeKind.Regular);

    // Texts that complete what Roslyn resolves by lookahead: generic argument lists, array ranks, parenthesised
    // lambdas and tuples, declarations, switch expressions, interpolations, member bodies.
    private static readonly string[] Continuations =
    [
        .. from n in Enumerable.Range(1, 5)
           from head in new[] { "x", "" }
           from tail in new[] { " x", " x)", "()", " x;" }
           select head + new string('>', n) + tail,
        " void x() { }", "void x() { }", ": x;", " : x;", "x() { }", " x() { }", "x> x() { }", "x>> x() { }", "> x() { }", "x => x", "() => x", " x => x;",
        "> x", ">()", "]) x", ") => x", " x", " = x;", "() { }", " {", " { x => x }", ")", "}\"", "x}\"", "\"", "> x)", "]> x", ") x",
        " => x", "x => x)", " x => x)", "x>()", " x>()", "x>> x", "> x;", ">> x;", "]> x;", "x) => x)",
    ];

    // Around the closing brackets of the statement being written: what may still go inside, and what may follow.
    private static readonly string[] CloserHeads = ["", "x", ", x", "x, x"];

    private static readonly string[] CloserTails = ["()", " x", "(x)", " x)", " x;"];

    private static readonly string[] OperatorGrowths = ["=", ">", "<", "&", "|", "+", "-", "?", ".", ":", "*", "/", "!"];

    private static readonly string[] NumberGrowths = ["0", "1", "e0", ".0", "L", "f", "x0", "b0"];

    private static readonly string[] QuoteGrowths = ["\"", "'", "\"\"\"", "0\"", "00\"", "000\"", "0000\"", "n\"", "n'", "0'", "0000'", "}\"", "\"\"\""];

    private static readonly string[] Keywords =
        [.. SyntaxFacts.GetKeywordKinds().Concat(SyntaxFacts.GetContextualKeywordKinds()).Select(SyntaxFacts.GetText).Where(k => k.Length > 0).Distinct()];

    /// <summary>Parses <paramref name="text"/> with the constraint's options.</summary>
    public static SyntaxTree Parse(string text) => CSharpSyntaxTree.ParseText(SourceText.From(text), ParseOptions);

    /// <summary>The verdict on <paramref name="text"/> (see the type's comment for the rules).</summary>
    public static PrefixVerdict Check(string text) => Check(text, Parse(text));

    /// <summary>
    /// The verdict on <paramref name="text"/>, already parsed as <paramref name="tree"/>; positions in the reason are
    /// shifted by <paramref name="shift"/> (the checker parses a shortened context).
    /// </summary>
    public static PrefixVerdict Check(string text, SyntaxTree tree, int shift = 0)
    {
        Diagnostic? bad = FirstUnrepairable(tree, text.Length);
        if (bad is null) return PrefixVerdict.Ok;

        SyntaxToken last = LastToken(tree.GetRoot());
        foreach ((string growth, bool keyword) in Growths(last, text.Length))
        {
            if (Passes(text + growth)) return PrefixVerdict.Ok;
            if (keyword && Continuations.Any(c => Passes(text + growth + c))) return PrefixVerdict.Ok;
        }
        if (Continuations.Any(c => Passes(text + c))) return PrefixVerdict.Ok;
        foreach (string closer in Closers(tree.GetRoot()))
        {
            foreach (string head in CloserHeads)
            {
                foreach (string tail in CloserTails)
                {
                    if (Passes(text + head + closer + tail)) return PrefixVerdict.Ok;
                }
            }
        }
        return PrefixVerdict.Reject(Describe(bad, shift));
    }

    private static bool Passes(string text) => FirstUnrepairable(Parse(text), text.Length) is null;

    /// <summary>"CS1002 at 41: ; expected".</summary>
    public static string Describe(Diagnostic d, int shift = 0) =>
        $"{d.Id} at {d.Location.SourceSpan.Start + shift}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";

    // The first error that rules (1)-(3) do not excuse, or null.
    private static Diagnostic? FirstUnrepairable(SyntaxTree tree, int length)
    {
        SyntaxToken last = default;
        bool haveLast = false;
        foreach (Diagnostic d in tree.GetDiagnostics())
        {
            if (d.Severity != DiagnosticSeverity.Error) continue;
            if (!haveLast)
            {
                last = LastToken(tree.GetRoot());
                haveLast = true;
            }
            if (!IsRepairable(d, last, length)) return d;
        }
        return null;
    }

    private static bool IsRepairable(Diagnostic d, SyntaxToken last, int length)
    {
        TextSpan span = d.Location.SourceSpan;
        int end = last.RawKind == 0 ? 0 : last.Span.End;
        if (span.Start >= end) return true; // (1) something expected after the last token
        if (d.Id == "CS8076") return true; // (2) an interpolation open to the end: what follows may close it
        if (span.End >= length && IsOpenLiteralOrComment(d.Id)) return true; // (2)
        if (last.Span.Contains(span.Start) || span.Start == last.SpanStart)
        {
            if (d.Id is "CS1524" or "CS0145") return true; // (3)
            if (IsOpenLiteral(last) && last.Span.End >= length && IsOpenLiteralOrComment(d.Id)) return true; // (2) on T
        }
        return false;
    }

    // Unterminated string, character, verbatim, raw or interpolated literal, or comment.
    // (Not CS1013, "invalid number": `1e` or `1_` at the end grow into a number by rule (4), and `1e46_` (no digit may follow a separator in an exponent) must not pass.)
    private static bool IsOpenLiteralOrComment(string id) => id is
        "CS1010" // newline in constant
        or "CS1039" // unterminated string literal
        or "CS1035" // end of file found, '*/' expected
        or "CS1012" // too many characters in character literal (a char literal still open)
        or "CS1011" // empty character literal
        or "CS8997" // unterminated raw string literal
        or "CS9000" // raw string literal delimiter must be on its own line
        or "CS8998" or "CS8999" or "CS9001" or "CS9002" // raw string shape still open
        or "CS8076" // an interpolation still open (its '}' not yet written)
        or "CS1056"; // unexpected character ('\' of an escape not yet written, '$' or '@' before a quote)

    private static bool IsOpenLiteral(SyntaxToken t) => t.Kind() is
        SyntaxKind.StringLiteralToken or SyntaxKind.CharacterLiteralToken or SyntaxKind.InterpolatedStringStartToken
        or SyntaxKind.InterpolatedStringTextToken or SyntaxKind.SingleLineRawStringLiteralToken
        or SyntaxKind.MultiLineRawStringLiteralToken or SyntaxKind.InterpolatedStringEndToken
        or SyntaxKind.Utf8StringLiteralToken;

    // Texts that make T longer: only tried when T ends at the end of the text (nothing after it yet).
    private static IEnumerable<(string Growth, bool Keyword)> Growths(SyntaxToken last, int length)
    {
        if (last.RawKind == 0 || last.Span.End != length) yield break;
        string t = last.Text;
        if (t.Length == 0) yield break;
        char c = t[^1];
        if (char.IsLetterOrDigit(c) || c == '_')
        {
            yield return ("a", false);
            foreach (string k in Keywords)
            {
                if (k.Length > t.Length && k.StartsWith(t, StringComparison.Ordinal)) yield return (k[t.Length..], true);
            }
            if (Keywords.Contains(t)) yield return ("", true);
        }
        if (char.IsDigit(t[0]) || t[0] == '.')
        {
            foreach (string n in NumberGrowths) yield return (n, false);
        }
        if (IsOpenLiteral(last) || c is '"' or '\'' or '\\' or '$' or '@')
        {
            foreach (string q in QuoteGrowths) yield return (q, false);
        }
        if (!char.IsLetterOrDigit(c) && c != '_')
        {
            foreach (string o in OperatorGrowths) yield return (o, false);
        }
    }

    // The brackets still open in the statement being written (above the innermost open brace), closed innermost first:
    // once with every '<' taken for a generic list, once with none (a '<' may be a comparison).
    private static IEnumerable<string> Closers(SyntaxNode root)
    {
        var open = new List<SyntaxKind>();
        foreach (SyntaxToken token in root.DescendantTokens())
        {
            if (token.IsMissing) continue;
            SyntaxKind kind = token.Kind();
            switch (kind)
            {
                case SyntaxKind.OpenParenToken or SyntaxKind.OpenBracketToken or SyntaxKind.OpenBraceToken or SyntaxKind.LessThanToken:
                    open.Add(kind);
                    break;
                case SyntaxKind.CloseParenToken:
                    PopTo(open, SyntaxKind.OpenParenToken);
                    break;
                case SyntaxKind.CloseBracketToken:
                    PopTo(open, SyntaxKind.OpenBracketToken);
                    break;
                case SyntaxKind.CloseBraceToken:
                    PopTo(open, SyntaxKind.OpenBraceToken);
                    break;
                case SyntaxKind.GreaterThanToken when open.Count > 0 && open[^1] == SyntaxKind.LessThanToken:
                    open.RemoveAt(open.Count - 1);
                    break;
                case SyntaxKind.SemicolonToken: // a comparison's '<' ends with its statement
                    while (open.Count > 0 && open[^1] == SyntaxKind.LessThanToken) open.RemoveAt(open.Count - 1);
                    break;
            }
        }
        var all = new System.Text.StringBuilder();
        var noAngles = new System.Text.StringBuilder();
        for (int i = open.Count - 1; i >= 0 && open[i] != SyntaxKind.OpenBraceToken; i--)
        {
            string close = open[i] switch
            {
                SyntaxKind.OpenParenToken => ")",
                SyntaxKind.OpenBracketToken => "]",
                _ => ">",
            };
            all.Append(close);
            if (open[i] != SyntaxKind.LessThanToken) noAngles.Append(close);
        }
        if (all.Length == 0) yield break;
        yield return all.ToString();
        if (noAngles.Length != all.Length) yield return noAngles.ToString();
    }

    // Pops through comparison '<'s down to the matching opener, if there is one.
    private static void PopTo(List<SyntaxKind> open, SyntaxKind opener)
    {
        int at = open.LastIndexOf(opener);
        if (at >= 0) open.RemoveRange(at, open.Count - at);
    }

    /// <summary>The last token with text (skipped tokens included; a preprocessor directive is trivia, still open at the end), or default for an empty text.</summary>
    public static SyntaxToken LastToken(SyntaxNode root) =>
        root.GetLastToken(includeZeroWidth: false, includeSkipped: true, includeDirectives: false, includeDocumentationComments: true);
}
