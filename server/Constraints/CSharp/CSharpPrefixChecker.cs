using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CodeGen.Server.Constraints.CSharp;

/// <summary>
/// One sequence's C# text. Each check parses the text (see <see cref="CSharpViability"/>), but not all of the
/// context: when the cursor is inside a member of a type, the checker parses that member alone inside stand-in
/// declarations of its enclosing types and namespaces (a member's syntax does not depend on the rest of the file;
/// usings, comments and other members are left out, unless the file has preprocessor directives). Text that extends a
/// line comment is viable without a parse. The completion is finished when it closes the block the cursor was in (the
/// closing brace is not part of it, as in MultiPL-E, whose tests begin with the method's brace), or, when the cursor
/// was directly in a type's body or at the top level, when the member or type it began is closed.
/// </summary>
internal sealed class CSharpPrefixChecker : IPrefixChecker
{
    private static readonly char[] LineBreaks = ['\n', '\r', '\u0085', '\u2028', '\u2029'];

    private readonly StringBuilder _text; // the whole text: context and appended
    private readonly int _contextLength;
    private readonly string _stub;         // what is parsed in place of the context's first _skipped characters
    private readonly int _skipped;
    private readonly bool _memberLevel;    // the cursor is directly in a type's body or at the top level
    private string? _cached;
    private int? _completedAt;
    private bool _inLineComment;
    private (string Text, SyntaxTree Tree) _lastParse;

    public CSharpPrefixChecker(string context)
    {
        _text = new StringBuilder(context);
        _contextLength = context.Length;
        SyntaxTree tree = CSharpViability.Parse(context);
        SyntaxNode root = tree.GetRoot();
        SyntaxNode? owner = InnermostOpenBraceOwner(root, context.Length);
        _memberLevel = owner is null or BaseTypeDeclarationSyntax or BaseNamespaceDeclarationSyntax;
        (_stub, _skipped) = Shorten(root, context);
        _inLineComment = EndsInLineComment(root, context.Length);
    }

    public string Text => _cached ??= _text.ToString();

    public int? CompletedAt => _completedAt;

    public PrefixVerdict Check(string next)
    {
        // A line comment takes any text up to the end of its line.
        if (_inLineComment && next.IndexOfAny(LineBreaks) < 0) return PrefixVerdict.Ok;
        string parsed = Parsed(next);
        SyntaxTree tree = CSharpViability.Parse(parsed);
        _lastParse = (parsed, tree);
        return CSharpViability.Check(parsed, tree, _skipped - _stub.Length);
    }

    public string? Closer() => Closer(out _);

    /// <summary>As <see cref="Closer()"/>; <paramref name="partial"/> is what the closer had written when it gave up.</summary>
    public string? Closer(out string partial)
    {
        partial = "";
        if (_completedAt is not null) return "";
        int shift = _skipped - _stub.Length;
        return CSharpCloser.Close(Parsed, root => FindCompletion(root) is int at ? at - shift : null, out partial);
    }

    public void Append(string text)
    {
        if (text.Length == 0) return;
        _text.Append(text);
        _cached = null;
        if (_inLineComment && text.IndexOfAny(LineBreaks) < 0) return; // still in the comment: nothing closes
        SyntaxNode root = ParsedTree().GetRoot();
        _inLineComment = EndsInLineComment(root, _stub.Length + _text.Length - _skipped);
        _completedAt ??= FindCompletion(root);
    }

    public void Truncate(int length)
    {
        length = Math.Max(length, _contextLength);
        if (length >= _text.Length) return;
        _text.Length = length;
        _cached = null;
        if (_completedAt > length) _completedAt = null;
        _inLineComment = EndsInLineComment(ParsedTree().GetRoot(), _stub.Length + _text.Length - _skipped);
    }

    // The text as parsed: the stand-in for the context's start, the rest of the text, then next.
    private string Parsed(string next) => string.Concat(_stub, Text.AsSpan(_skipped), next);

    // The tree of the current text, from the last check when it parsed exactly this text.
    private SyntaxTree ParsedTree()
    {
        string parsed = Parsed("");
        if (_lastParse.Text != parsed) _lastParse = (parsed, CSharpViability.Parse(parsed));
        return _lastParse.Tree;
    }

    // Walks the braces and semicolons of the generated part: depth -1 closes the cursor's block; at member level a
    // brace back to depth 0 (or a semicolon at depth 0 ending a member) ends the member. Offsets are in Text.
    private int? FindCompletion(SyntaxNode root)
    {
        int shift = _skipped - _stub.Length;
        int start = _contextLength - shift;
        int depth = 0;
        bool opened = false;
        foreach (SyntaxToken token in root.DescendantTokens(new Microsoft.CodeAnalysis.Text.TextSpan(start, root.FullSpan.End - start)))
        {
            if (token.SpanStart < start || token.IsMissing || token.Parent is InterpolationSyntax) continue;
            switch (token.Kind())
            {
                case SyntaxKind.OpenBraceToken:
                    depth++;
                    opened = true;
                    break;
                case SyntaxKind.CloseBraceToken:
                    depth--;
                    if (depth < 0) return token.SpanStart + shift;
                    if (_memberLevel && depth == 0 && opened) return token.Span.End + shift;
                    break;
                case SyntaxKind.SemicolonToken when _memberLevel && depth == 0 && token.Parent is MemberDeclarationSyntax:
                    return token.Span.End + shift;
            }
        }
        return null;
    }

    // The member the cursor is in, behind stand-ins for its enclosing types and namespaces: (stub, characters replaced).
    private static (string Stub, int Skipped) Shorten(SyntaxNode root, string context)
    {
        if (context.Length == 0 || root.ContainsDirectives) return ("", 0);
        SyntaxToken last = CSharpViability.LastToken(root);
        MemberDeclarationSyntax? member = last.Parent?.AncestorsAndSelf().OfType<MemberDeclarationSyntax>()
            .FirstOrDefault(m => m is not BaseTypeDeclarationSyntax and not BaseNamespaceDeclarationSyntax and not DelegateDeclarationSyntax
                && m.Parent is TypeDeclarationSyntax);
        if (member is null) return ("", 0);
        var stub = new StringBuilder();
        foreach (SyntaxNode enclosing in member.Ancestors().Reverse())
        {
            switch (enclosing)
            {
                case FileScopedNamespaceDeclarationSyntax:
                    stub.Append("namespace N;\n");
                    break;
                case NamespaceDeclarationSyntax:
                    stub.Append("namespace N {\n");
                    break;
                case TypeDeclarationSyntax type:
                    stub.Append(type.Keyword.Text);
                    if (type is RecordDeclarationSyntax { ClassOrStructKeyword.RawKind: not 0 } record) stub.Append(' ').Append(record.ClassOrStructKeyword.Text);
                    stub.Append(" C {\n");
                    break;
            }
        }
        return (stub.ToString(), member.SpanStart);
    }

    // Whether position end (the end of the parsed text) lies inside a // comment.
    private static bool EndsInLineComment(SyntaxNode root, int end)
    {
        if (end == 0) return false;
        SyntaxTrivia trivia = root.FindTrivia(end - 1, findInsideTrivia: false);
        return trivia.IsKind(SyntaxKind.SingleLineCommentTrivia) && trivia.Span.End == end;
    }

    private static SyntaxNode? InnermostOpenBraceOwner(SyntaxNode root, int end)
    {
        var open = new Stack<SyntaxToken>();
        foreach (SyntaxToken token in root.DescendantTokens())
        {
            if (token.SpanStart >= end || token.IsMissing || token.Parent is InterpolationSyntax) continue;
            if (token.IsKind(SyntaxKind.OpenBraceToken)) open.Push(token);
            else if (token.IsKind(SyntaxKind.CloseBraceToken) && open.Count > 0) open.Pop();
        }
        return open.Count == 0 ? null : open.Peek().Parent;
    }
}
