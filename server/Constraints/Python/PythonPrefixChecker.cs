using System.Text;

namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// Whether a growing Python text can still become valid Python. Incremental: the scanner's state after the accepted
/// text is kept, so <see cref="Check"/> scans only the new text from a copy of it; <see cref="Truncate"/> rescans the
/// generated text from the state after the context. A context that is itself not a viable prefix (code with an error
/// above the cursor) leaves nothing to judge: the checker then accepts everything, as it does after an appended text
/// it would have rejected.
/// </summary>
internal sealed class PythonPrefixChecker : IPrefixChecker
{
    private const int MaxCloserPieces = 24;

    private readonly StringBuilder _text;
    private readonly int _contextLength;
    private readonly PythonScanState _afterContext;
    private PythonScanState _state;
    private string? _textCache;
    private string? _appendReason;

    public PythonPrefixChecker(string context)
    {
        _text = new StringBuilder(context);
        _textCache = context;
        _contextLength = context.Length;
        _state = PythonScanState.Start(context.Length);
        ContextReason = _state.Scan(context);
        _state.SetThreshold();
        _afterContext = _state;
    }

    /// <summary>Why the context is not a viable prefix (the checker then accepts everything), or null.</summary>
    public string? ContextReason { get; }

    public string Text => _textCache ??= _text.ToString();

    public int? CompletedAt => Judging && _state.CompletedAt >= 0 ? _state.CompletedAt : null;

    private bool Judging => ContextReason == null && _appendReason == null;

    public PrefixVerdict Check(string next)
    {
        if (!Judging)
        {
            return PrefixVerdict.Ok;
        }
        PythonScanState state = _state;
        string? reason = state.Scan(next);
        return reason == null ? PrefixVerdict.Ok : PrefixVerdict.Reject(reason);
    }

    public string? Closer()
    {
        if (!Judging) return null;
        var closer = new StringBuilder();
        for (int i = 0; i < MaxCloserPieces; i++)
        {
            PythonScanState state = _state;
            if (state.Scan(closer.ToString()) != null) return null;
            string? piece = NextPiece(state, string.Concat(Text, closer.ToString()));
            if (piece is null) return null;
            if (piece.Length == 0) return closer.ToString();
            closer.Append(piece);
        }
        return null;
    }

    // What the text needs next to end cleanly: "" when nothing, null when the scanner cannot tell.
    private static string? NextPiece(PythonScanState state, string text)
    {
        switch (state.Mode)
        {
            case ScanMode.Comment:
                return "\n";
            case ScanMode.String:
                return state.StringEnd();
        }
        if (state.ContinuationPending) return null;
        ReadOnlySpan<char> line = text.AsSpan(Math.Min(state.LogicalLineStart, text.Length)).Trim();
        if (state.OpenBracket != '\0')
        {
            if (Operand(line, state.OpenBracket) is string operand) return operand;
            return state.OpenBracket switch
            {
                '(' => ")",
                '[' => "]",
                _ => "}",
            };
        }
        (int block, int column) = state.Columns;
        if (state.LineHasToken)
        {
            bool header = IsHeader(line) && !HasBody(line);
            if (!header && Operand(line, '\0') is string operand) return operand;
            if (header && !state.EndsWithColon) return HeaderEnd(line);
            if (header) return "\n";
        }
        else if (state.BlockExpected)
        {
            return new string(' ', Math.Max(0, block + 4 - column)) + "pass\n";
        }
        // The statement is finished; a try still needs a clause at its own column.
        if (state.PendingTry is int at)
        {
            string start = state.LineHasToken || column > at ? "\n" : "";
            int indent = state.LineHasToken || column > at ? at : at - column;
            return start + new string(' ', indent) + "finally:\n" + new string(' ', at + 4) + "pass\n";
        }
        return "";
    }

    private static readonly string[] HeaderKeywords = ["if", "elif", "else", "for", "while", "with", "def", "class", "try", "except", "finally", "async"];

    private static readonly string[] OperandKeywords = ["and", "or", "not", "in", "is", "lambda", "if", "else", "await", "return", "yield", "assert", "del", "raise", "from", "import", "as"];

    // Whether a header line already has its ':' and a statement after it (`if x: y`): a ':' outside brackets and strings.
    private static bool HasBody(ReadOnlySpan<char> line)
    {
        int depth = 0;
        char quote = '\0';
        for (int i = 0; i < line.Length - 1; i++)
        {
            char c = line[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
                continue;
            }
            switch (c)
            {
                case '\'' or '"':
                    quote = c;
                    break;
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}':
                    depth--;
                    break;
                case ':' when depth == 0 && !line[..i].Contains("lambda", StringComparison.Ordinal):
                    return true;
            }
        }
        return false;
    }

    private static bool IsHeader(ReadOnlySpan<char> line)
    {
        foreach (string k in HeaderKeywords)
        {
            if (line.StartsWith(k, StringComparison.Ordinal) && (line.Length == k.Length || !IsNameChar(line[k.Length]))) return true;
        }
        return false;
    }

    // What an unfinished header needs: its parameter list (def), the iterable (for), then ':' (the block follows).
    private static string HeaderEnd(ReadOnlySpan<char> line)
    {
        if (line is "else" or "try" or "finally" or "except") return ":";
        if (line.StartsWith("def", StringComparison.Ordinal) && !line.Contains('(')) return "():";
        if (line is "for") return " x in None:";
        if (line.Length > 1 && line[^1] == '=' && !"=!<>".Contains(line[^2])) return "= None"; // `if x =`: a comparison
        if (line.Length > 0 && line[^1] == ',') return " None";
        if (Operand(line, '\0') is string operand) return operand;
        return line is "def" or "class" or "for" or "while" or "if" or "elif" or "with" or "async" ? " x:" : ":";
    }

    // The operand the line still needs at its end (after an operator, '=', '.', a subscript's '[' or a keyword that
    // takes one), or null. A keyword where no operand can precede it is a name being written: "_" grows it into one.
    private static string? Operand(ReadOnlySpan<char> line, char bracket)
    {
        if (line.IsEmpty) return null;
        char c = line[^1];
        int lastFor = Math.Max(line.LastIndexOf(" for ", StringComparison.Ordinal), line.StartsWith("for ", StringComparison.Ordinal) ? 0 : -1);
        if (lastFor >= 0 && IsNameChar(c) && !line[lastFor..].Contains(" in ", StringComparison.Ordinal))
        {
            return line.EndsWith(" i", StringComparison.Ordinal) ? "n None" : " in None";
        }
        switch (c)
        {
            case ',':
                return null;
            case ':':
                return bracket is '{' or '(' || (bracket == '\0' && line.Contains("lambda", StringComparison.Ordinal)) ? " None" : null;
            case '.':
                return line.EndsWith("...", StringComparison.Ordinal) || (line.Length > 1 && char.IsAsciiDigit(line[^2])) ? null : "x";
            case '[':
                return line.Length > 1 && (IsNameChar(line[^2]) || line[^2] is ')' or ']' or '"' or '\'') ? "None" : null;
        }
        if ("+-*/%&|^~<>=@".Contains(c)) return c == '*' && line.EndsWith("import *", StringComparison.Ordinal) ? null : " None";
        if (!IsNameChar(c)) return null;
        int start = line.Length;
        while (start > 0 && IsNameChar(line[start - 1])) start--;
        ReadOnlySpan<char> word = line[start..];
        bool operandKeyword = false;
        foreach (string k in OperandKeywords)
        {
            operandKeyword |= word.SequenceEqual(k) && k is not ("return" or "yield" or "raise");
        }
        ReadOnlySpan<char> before = line[..start].TrimEnd();
        int wordStart = before.Length;
        while (wordStart > 0 && IsNameChar(before[wordStart - 1])) wordStart--;
        bool afterExpression = before.Length > 0 && (before[^1] is ')' or ']' or '}' or '"' or '\''
            || (IsNameChar(before[^1]) && !IsKeyword(before[wordStart..])));
        if (!operandKeyword)
        {
            if (IsKeyword(word) || word is "def" or "class" or "pass" or "break" or "continue" or "try" or "except" or "finally" or "global" or "nonlocal")
            {
                return start == 0 ? null : "_"; // a keyword where a value goes: the start of a longer name
            }
            if (!afterExpression)
            {
                // A bare name in a call after keyword arguments must be one too.
                bool argument = bracket == '(' && before.Length > 0 && before[^1] is ',' or '(' && line.Contains('=') && !line.Contains("==", StringComparison.Ordinal);
                return argument ? "=None" : null;
            }
            // A name right after an expression: the start of the operator keyword it must be.
            foreach ((string keyword, string rest) in PartialKeywords)
            {
                if (keyword.Length > word.Length && keyword.AsSpan().StartsWith(word)) return keyword[word.Length..] + rest;
            }
            return null;
        }
        // What precedes the keyword: an expression's end makes it an operator; nothing, an operator or a keyword, a name.
        if (word is "del") return " x";
        bool binary = word is "and" or "or" or "in" or "is" or "if" or "else" or "as";
        return binary == afterExpression ? " None" : "_";
    }

    private static readonly (string Keyword, string Tail)[] PartialKeywords =
        [("and", " None"), ("or", " None"), ("in", " None"), ("is", " None"), ("if", " None else None"), ("for", " x in None"), ("not", " in None"), ("else", " None")];

    private static bool IsKeyword(ReadOnlySpan<char> word)
    {
        foreach (string k in Keywords)
        {
            if (word.SequenceEqual(k)) return true;
        }
        return false;
    }

    private static readonly string[] Keywords =
        ["if", "elif", "else", "while", "for", "in", "is", "not", "and", "or", "return", "yield", "lambda", "assert", "del", "with", "await", "from", "import", "as", "raise"];

    private static bool IsNameChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    public void Append(string text)
    {
        _text.Append(text);
        _textCache = null;
        if (Judging)
        {
            _appendReason = _state.Scan(text);
        }
    }

    public void Truncate(int length)
    {
        length = Math.Clamp(length, _contextLength, _text.Length);
        if (length == _text.Length)
        {
            return;
        }
        _text.Length = length;
        _textCache = null;
        if (ContextReason == null)
        {
            _state = _afterContext;
            _appendReason = _state.Scan(Text.AsSpan(_contextLength));
        }
    }
}
