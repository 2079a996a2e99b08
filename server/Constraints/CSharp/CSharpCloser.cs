using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeGen.Server.Constraints.CSharp;

/// <summary>
/// Writes the end of an unfinished C# text: one piece at a time, what the parse says comes next, until the text is
/// finished. A piece is the text of the first token Roslyn's parser had to invent after the last real token (a missing
/// <c>;</c>, <c>)</c>, <c>}</c>, or an identifier, written <c>default</c> in an expression and <c>x</c> elsewhere), or
/// the end of an open literal or comment. A closing brace goes on its own line at its opening brace's indentation.
/// The result is kept only when the text with it parses with no error before the point where it is finished.
/// </summary>
internal static class CSharpCloser
{
    private const int MaxPieces = 48;

    /// <summary>
    /// The text to append to <paramref name="parse"/>'s input so that <paramref name="finishedAt"/> (the offset where
    /// the text is finished, or null) is found, or null when no such text is found in <see cref="MaxPieces"/> pieces.
    /// </summary>
    public static string? Close(Func<string, string> parse, Func<SyntaxNode, int?> finishedAt) => Close(parse, finishedAt, out _);

    /// <summary>As <see cref="Close(Func{string, string}, Func{SyntaxNode, int?})"/>; <paramref name="partial"/> is what was written when it gave up.</summary>
    public static string? Close(Func<string, string> parse, Func<SyntaxNode, int?> finishedAt, out string partial)
    {
        partial = "";
        string text = parse("");
        string[] heads = [.. Heads(CSharpViability.Parse(text).GetRoot(), text)];
        string? first = null;
        foreach (string head in heads)
        {
            if (Run(parse, finishedAt, head, lenient: false, out string tried) is string closer) return closer;
            first ??= tried;
        }
        // The text has an error of its own before the end (one the prefix rules let pass, such as a number that could
        // still become a double): close it all the same, keeping only closers that leave no error of their own.
        foreach (string head in heads)
        {
            if (Run(parse, finishedAt, head, lenient: true, out _) is string closer) return closer;
        }
        partial = first ?? "";
        return null;
    }

    // What the closer may start with: nothing (the parse's own guess), then what Roslyn cannot guess from the parse:
    // the rest of a directive, a keyword or longer operator the last token begins, a body or a value.
    private static IEnumerable<string> Heads(SyntaxNode root, string text)
    {
        yield return "";
        int lineStart = text.LastIndexOf('\n') + 1;
        string line = text[lineStart..].TrimStart();
        if (line.StartsWith('#'))
        {
            foreach (string directive in Directives)
            {
                if (directive.Length >= line.Length - 1 && directive.StartsWith(line[1..], StringComparison.Ordinal)) yield return directive[(line.Length - 1)..] + "\n";
            }
            yield return "\n";
            yield break;
        }
        SyntaxToken last = CSharpViability.LastToken(root);
        if (last.RawKind != 0 && last.Span.End == text.Length && last.Text.Length > 0)
        {
            string t = last.Text;
            if (char.IsLetter(t[^1]))
            {
                foreach (SyntaxKind kind in SyntaxFacts.GetKeywordKinds().Concat(SyntaxFacts.GetContextualKeywordKinds()))
                {
                    string k = SyntaxFacts.GetText(kind);
                    if (k.Length > t.Length && k.StartsWith(t, StringComparison.Ordinal)) yield return k[t.Length..];
                }
            }
            else if (!char.IsLetterOrDigit(t[^1]))
            {
                foreach (string growth in OperatorGrowths) yield return growth;
            }
            if (char.IsAsciiDigit(t[0]) || t[0] == '.')
            {
                foreach (string growth in NumberGrowths) yield return growth;
            }
        }
        foreach (string head in BodiesAndValues) yield return head;
    }

    private static readonly string[] Directives =
        ["if X", "elif X", "else", "endif", "region", "endregion", "pragma warning restore", "pragma warning disable", "nullable restore", "define X", "undef X", "error", "warning", "line default"];

    private static readonly string[] OperatorGrowths = [">", "=", "/\n", "&", "|", "+", "-"];

    private static readonly string[] NumberGrowths = ["e0", ".0", "0", "L"];

    private static readonly string[] BodiesAndValues =
        [" { }", "() { }", " x() { }", "0", " 0", " = 0", "{ }", "\n", " x", ")", " x)", ">()", "x>()", " x>()", " x => x)", "x => x)", " x) = default"];

    // One closer from head on; lenient: only errors from where the closer starts disqualify it (else: any error).
    private static string? Run(Func<string, string> parse, Func<SyntaxNode, int?> finishedAt, string head, bool lenient, out string partial)
    {
        var closer = new StringBuilder(head);
        partial = head;
        for (int i = 0; i < MaxPieces; i++)
        {
            partial = closer.ToString();
            string text = parse(partial);
            SyntaxNode root = CSharpViability.Parse(text).GetRoot();
            if (finishedAt(root) is int at) return Clean(root, lenient ? text.Length - closer.Length : 0, at) ? closer.ToString() : null;
            string? piece = NextPiece(root, text);
            if (piece is null) return Clean(root, lenient ? text.Length - closer.Length : 0, text.Length) ? closer.ToString() : null; // nothing open (top-level code)
            closer.Append(piece);
        }
        return null;
    }

    // No error between from and the point where the text is finished (errors after it concern text the completion leaves out).
    private static bool Clean(SyntaxNode root, int from, int finishedAt) =>
        !root.SyntaxTree.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error && d.Location.SourceSpan.Start < finishedAt
            && d.Location.SourceSpan.End >= from);

    private static string? NextPiece(SyntaxNode root, string text)
    {
        SyntaxToken last = CSharpViability.LastToken(root);
        int end = last.RawKind == 0 ? 0 : last.Span.End;
        if (end < text.Length && OpenComment(root, text) is string commentEnd) return commentEnd;
        if (last.Span.End == text.Length && OpenLiteralEnd(last, text) is string literalEnd) return literalEnd;
        // An open #if or #region ends before anything else closes (the block's brace must not fall inside it).
        foreach (Diagnostic d in root.SyntaxTree.GetDiagnostics())
        {
            if (d.Id == "CS1027") return EndOfLine(text) + "#endif\n";
            if (d.Id == "CS1038") return EndOfLine(text) + "#endregion\n";
        }
        SyntaxToken missing = root.DescendantTokens().FirstOrDefault(t => t.IsMissing && t.SpanStart >= end);
        if (missing.RawKind == 0) return null;
        // A statement the parser had to invent entirely (the body of an if, for, foreach or while): an empty block.
        if (missing.Parent?.FirstAncestorOrSelf<StatementSyntax>() is ExpressionStatementSyntax { Parent: not BlockSyntax } statement
            && statement.GetFirstToken(includeZeroWidth: true).IsMissing && statement.SemicolonToken.IsMissing)
            return " { }";
        return missing.Kind() switch
        {
            SyntaxKind.IdentifierToken => Spaced(text, Filler(missing)),
            SyntaxKind.CloseBraceToken => Brace(text, missing),
            SyntaxKind.OpenBraceToken => " {",
            SyntaxKind.InterpolatedStringEndToken => "\"",
            SyntaxKind kind when SyntaxFacts.GetText(kind) is { Length: > 0 } t => char.IsLetter(t[0]) ? Spaced(text, t) : t,
            _ => null,
        };
    }

    // An identifier the parser expected: `default` where a value goes (it converts to any type), else a name.
    private static string Filler(SyntaxToken missing) =>
        missing.Parent is IdentifierNameSyntax
        {
            Parent: ArgumentSyntax or EqualsValueClauseSyntax or ReturnStatementSyntax
            or BinaryExpressionSyntax or AssignmentExpressionSyntax or ParenthesizedExpressionSyntax or ConditionalExpressionSyntax
            or InitializerExpressionSyntax or ArrowExpressionClauseSyntax or PrefixUnaryExpressionSyntax or InterpolationSyntax
            or ElementAccessExpressionSyntax or BracketedArgumentListSyntax or YieldStatementSyntax or ThrowStatementSyntax
            or ForEachStatementSyntax or SwitchStatementSyntax or IfStatementSyntax or WhileStatementSyntax
            or LambdaExpressionSyntax or ExpressionElementSyntax
        }
            ? "default"
            : "x";

    private static string EndOfLine(string text) => text.Length == 0 || text[^1] == '\n' ? "" : "\n";

    private static string Spaced(string text, string word) =>
        text.Length > 0 && (char.IsLetterOrDigit(text[^1]) || text[^1] == '_') ? " " + word : word;

    // A closing brace on a line of its own, indented as the line of the brace it closes.
    private static string Brace(string text, SyntaxToken missing)
    {
        SyntaxToken open = missing.Parent?.ChildTokens().FirstOrDefault(t => t.IsKind(SyntaxKind.OpenBraceToken)) ?? default;
        string indent = open.RawKind == 0 ? "" : Indentation(text, open.SpanStart);
        int lineStart = text.LastIndexOf('\n') + 1;
        bool blankLine = text.AsSpan(lineStart).IsWhiteSpace();
        if (blankLine) return text.Length - lineStart == indent.Length ? "}" : "\n" + indent + "}";
        return "\n" + indent + "}";
    }

    private static string Indentation(string text, int position)
    {
        int start = text.LastIndexOf('\n', Math.Max(0, position - 1)) + 1;
        int i = start;
        while (i < text.Length && text[i] is ' ' or '\t') i++;
        return text[start..i];
    }

    // The end of a /* comment that runs to the end of the text, or a line break after a // comment.
    private static string? OpenComment(SyntaxNode root, string text)
    {
        SyntaxTrivia trivia = root.FindTrivia(text.Length - 1, findInsideTrivia: false);
        if (trivia.Span.End != text.Length) return null;
        return trivia.Kind() switch
        {
            SyntaxKind.SingleLineCommentTrivia or SyntaxKind.SingleLineDocumentationCommentTrivia => "\n",
            SyntaxKind.MultiLineCommentTrivia when !trivia.ToString().EndsWith("*/", StringComparison.Ordinal) || trivia.Span.Length < 4 => "*/",
            _ => null,
        };
    }

    // The end of a string or character literal left open at the end of the text ("" when it is closed).
    private static string? OpenLiteralEnd(SyntaxToken last, string text)
    {
        bool open = last.GetDiagnostics().Any(d => d.Id is "CS1010" or "CS1039" or "CS1012" or "CS1011");
        if (!open) return null;
        int backslashes = 0;
        while (backslashes < text.Length && text[text.Length - 1 - backslashes] == '\\') backslashes++;
        bool verbatim = last.Text.StartsWith('@') || last.Text.StartsWith("$@", StringComparison.Ordinal);
        string escape = !verbatim && backslashes % 2 == 1 ? "\\" : "";
        return last.Kind() switch
        {
            SyntaxKind.CharacterLiteralToken => escape + (last.Text == "'" ? "x'" : "'"),
            SyntaxKind.StringLiteralToken or SyntaxKind.InterpolatedStringTextToken or SyntaxKind.InterpolatedStringStartToken => escape + "\"",
            _ => null,
        };
    }
}
