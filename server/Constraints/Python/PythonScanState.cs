namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// The Python scanner's whole state after some text: small and copied by value, so that a check scans only the new
/// text from a copy of the state after the accepted text (the stacks are immutable lists, copied as references).
/// <see cref="Scan"/> returns why the text so far can no longer become valid Python (Python 3.11) by appending text,
/// or null while it still can. Every rule is one Python itself applies and no appended text can undo; where a rule
/// would need a parser, the scanner accepts (a miss is cheaper than rejecting valid code). docs/CONSTRAINTS.md lists
/// the rules.
/// </summary>
internal struct PythonScanState
{
    private static readonly ulong And = Pack("and"), Or = Pack("or"), In = Pack("in"), Is = Pack("is"), As = Pack("as");
    private static readonly ulong Elif = Pack("elif"), Else = Pack("else"), Except = Pack("except"), Finally = Pack("finally");
    private static readonly ulong If = Pack("if"), For = Pack("for"), While = Pack("while"), Try = Pack("try");
    private static readonly ulong Async = Pack("async"), Def = Pack("def"), Class = Pack("class");

    /// <summary>Offset of the next character in the whole text.</summary>
    private int _offset;

    /// <summary>1-based line of the next character.</summary>
    private int _line;

    /// <summary>Offset where the current physical line starts.</summary>
    private int _lineStart;

    private ScanMode _mode;

    /// <summary>The last character was a "\r", read as a newline.</summary>
    private bool _afterCarriageReturn;

    // Indentation: a line outside brackets and continuations is measured until its first significant character, with
    // tabs to multiples of 8 (_column) and as 1 (_altColumn), as Python's tokenizer does.
    private bool _atLineStart;
    private int _column;
    private int _altColumn;

    // The innermost indentation level; the enclosing ones are in _outer.
    private int _topColumn;
    private int _topAltColumn;
    private ClauseKind _topClause;
    private IndentFrame? _outer;

    /// <summary>The last logical line ended with ':': the next one must be indented deeper.</summary>
    private bool _blockExpected;
    private int _headerLine;

    // The current logical line.
    private bool _lineHasToken;
    private bool _endsWithColon;
    private FirstToken _first;
    private BracketFrame? _brackets;
    private bool _backslashPending;
    private bool _bangPending;

    // The name being read: up to 8 ASCII characters packed one per byte (_nameLength 9: longer or not ASCII, so neither a
    // keyword nor a string prefix), or a number.
    private bool _inName;
    private int _nameLength;
    private ulong _namePack;
    private bool _inNumber;

    // Two names in a row (neither a keyword, soft keywords included) are never valid Python: the last significant token
    // was such a name, and the name being read follows one.
    private bool _afterName;
    private bool _nameAfterName;

    // The string literal being read.
    private char _quote;
    private byte _openQuotes;
    private bool _triple;
    private byte _closeQuotes;
    private bool _escape;
    private bool _bytes;
    private bool _raw;
    private bool _f;
    private int _stringOffset;
    private int _stringLine;
    private FStringPart _fPart;
    private int _fDepth;
    private char _fNested;
    private byte _fNestedOpen;
    private bool _fNestedTriple;
    private byte _fNestedClose;

    // Completion: a logical line started in the generated text (at or after _contextLength) at a column below
    // _threshold (0: no block to close) finishes it at the start of that line.
    private int _contextLength;
    private int _threshold;
    private int _completedAt;

    /// <summary>The state before any text; lines starting at or after <paramref name="contextLength"/> may finish the completion.</summary>
    public static PythonScanState Start(int contextLength) => new()
    {
        _line = 1,
        _atLineStart = true,
        _contextLength = contextLength,
        _completedAt = -1,
    };

    /// <summary>Where the completion finished (see <see cref="IPrefixChecker.CompletedAt"/>), or -1.</summary>
    public readonly int CompletedAt => _completedAt;

    /// <summary>
    /// After the context: the column a generated logical line must stay at or above for the completion to go on. The
    /// innermost block's column, or one past it when the context ends on a block header (a line ending with ':');
    /// no threshold at level 0 outside any block.
    /// </summary>
    public void SetThreshold()
    {
        if (_blockExpected || (_lineHasToken && _endsWithColon && _brackets == null))
        {
            _threshold = _topColumn + 1;
        }
        else
        {
            _threshold = _topColumn;
        }
    }

    /// <summary>Where the scanner is: code, a string or a comment.</summary>
    public readonly ScanMode Mode => _mode;

    /// <summary>A line continuation ('\\' at the end) waits for its newline.</summary>
    public readonly bool ContinuationPending => _backslashPending || _bangPending;

    /// <summary>The innermost open bracket, or '\0'.</summary>
    public readonly char OpenBracket => _brackets?.Open ?? '\0';

    /// <summary>The current logical line has a token.</summary>
    public readonly bool LineHasToken => _lineHasToken;

    /// <summary>The current logical line ends with ':' so far.</summary>
    public readonly bool EndsWithColon => _endsWithColon;

    /// <summary>The last logical line was a block header: the next one must be indented deeper.</summary>
    public readonly bool BlockExpected => _blockExpected;

    /// <summary>The innermost block's column, and the column read so far on the current line (at its start).</summary>
    public readonly (int Block, int Line) Columns => (_topColumn, _column);

    /// <summary>
    /// The column of the innermost <c>try</c> still waiting for its <c>except</c> or <c>finally</c> (its body is being
    /// written, or has ended), or null.
    /// </summary>
    public readonly int? PendingTry
    {
        get
        {
            if (_topClause == ClauseKind.Try && !_blockExpected) return _topColumn;
            for (IndentFrame? frame = _outer; frame != null; frame = frame.Outer)
            {
                if (frame.Clause == ClauseKind.Try) return frame.Column;
            }
            return null;
        }
    }

    /// <summary>Offset where the current logical line starts.</summary>
    public readonly int LogicalLineStart => _lineStart;

    /// <summary>The text that ends the open string literal ("\\" first when an escape is pending), or null inside an f-string field.</summary>
    public readonly string? StringEnd()
    {
        if (_mode != ScanMode.String) return "";
        if (_openQuotes == 2) return " "; // '' so far: the next character that is not a quote ends the empty string
        if (_f && _fPart is not (FStringPart.Literal or FStringPart.CloseBrace)) return null;
        string quote = _triple ? new string(_quote, 3 - _closeQuotes) : _quote.ToString();
        return (_escape ? "\\" : "") + (_f && _fPart == FStringPart.CloseBrace ? "}" : "") + quote;
    }

    /// <summary>Scans <paramref name="text"/>; returns why the text can no longer become valid, or null.</summary>
    public string? Scan(ReadOnlySpan<char> text)
    {
        foreach (char next in text)
        {
            // Python reads "\r\n" and a lone "\r" as one newline: the "\n" after a "\r" was already read with it.
            if (_afterCarriageReturn)
            {
                _afterCarriageReturn = false;
                if (next == '\n')
                {
                    if (_lineStart == _offset)
                    {
                        _lineStart++;
                    }
                    _offset++;
                    continue;
                }
            }
            char c = next;
            if (c == '\r')
            {
                _afterCarriageReturn = true;
                c = '\n';
            }
            string? reason = _mode switch
            {
                ScanMode.String => StringChar(c),
                ScanMode.Comment when c != '\n' => null,
                _ => Code(c),
            };
            if (reason != null)
            {
                return reason;
            }
            if (c == '\n')
            {
                _line++;
            }
            _offset++;
        }
        return null;
    }

    private string? Code(char c)
    {
        _mode = ScanMode.Code;
        if (_backslashPending)
        {
            // Python: "unexpected character after line continuation character". The joined line has no indentation.
            if (c == '\n')
            {
                _backslashPending = false;
                return null;
            }
            return $"unexpected character after line continuation at offset {_offset}";
        }
        if (_bangPending)
        {
            // '!' is only valid as part of '!=' (3.11).
            _bangPending = false;
            if (c == '=')
            {
                return null;
            }
            return $"invalid character '!' at offset {_offset - 1}";
        }
        if (_inName)
        {
            if (IsNameChar(c))
            {
                _nameLength = c < 128 && _nameLength < 8 ? _nameLength + 1 : 9;
                _namePack = _namePack << 8 | (byte)c;
                return _nameAfterName && !KeywordPrefixes.Contains(_nameLength <= 8 ? _namePack : 0) ? TwoNames() : null;
            }
            _inName = false;
            if (c is '\'' or '"' && StringPrefix(out bool bytes, out bool raw, out bool f))
            {
                string? started = _first == FirstToken.Name ? StartStatement(ClauseKind.Other, definition: false) : null;
                _first = FirstToken.Done;
                StartString(c, bytes, raw, f);
                return started;
            }
            bool keyword = _nameLength <= 8 && Array.IndexOf(KeywordPacks, _namePack) >= 0;
            if (_nameAfterName && !keyword)
            {
                return TwoNames();
            }
            _afterName = !keyword;
            if (_first == FirstToken.Name)
            {
                string? reason = EndFirstName();
                if (reason != null)
                {
                    return reason;
                }
            }
        }
        else if (_inNumber)
        {
            if (IsNameChar(c) || c == '.')
            {
                return null;
            }
            _inNumber = false;
        }
        if (_first is not (FirstToken.None or FirstToken.Name or FirstToken.Done))
        {
            string? reason = ResolveFirst(c);
            if (reason != null)
            {
                return reason;
            }
        }

        if (_atLineStart)
        {
            switch (c)
            {
                case ' ':
                    _column++;
                    _altColumn++;
                    return null;
                case '\t':
                    _column = (_column / 8 + 1) * 8;
                    _altColumn++;
                    return null;
                case '\f':
                    _column = _altColumn = 0;
                    return null;
                case '\n':
                    // A blank line: no logical line, no indentation.
                    _column = _altColumn = 0;
                    _lineStart = _offset + 1;
                    return null;
                case '#':
                    _mode = ScanMode.Comment;
                    return null;
            }
            _atLineStart = false;
            string? reason = Indent();
            if (reason != null)
            {
                return reason;
            }
        }

        switch (c)
        {
            case ' ' or '\t' or '\f':
                return null;
            case '\n':
                Newline();
                return null;
            case '#':
                _mode = ScanMode.Comment;
                return null;
            case '\\':
                _backslashPending = true;
                if (_first == FirstToken.None)
                {
                    // A line that starts with a continuation: what starts the statement comes later; not judged.
                    _first = FirstToken.Done;
                    _lineHasToken = true;
                    _topClause = ClauseKind.Unknown;
                }
                return null;
        }

        _endsWithColon = c == ':';
        _lineHasToken = true;
        bool afterName = _afterName;
        _afterName = false;
        if (_first == FirstToken.None)
        {
            string? reason = BeginFirst(c);
            if (reason != null)
            {
                return reason;
            }
        }

        if (c is '\'' or '"')
        {
            StartString(c, bytes: false, raw: false, f: false);
            return null;
        }
        if (IsNameStart(c))
        {
            _nameAfterName = afterName;
            _inName = true;
            _nameLength = c < 128 ? 1 : 9;
            _namePack = (byte)c;
            return afterName && !KeywordPrefixes.Contains(_nameLength == 1 ? _namePack : 0) ? TwoNames() : null;
        }
        if (char.IsAsciiDigit(c))
        {
            _inNumber = true;
            return null;
        }
        switch (c)
        {
            case '(' or '[' or '{':
                _brackets = new BracketFrame(c, _offset, _brackets);
                return null;
            case ')' or ']' or '}':
                return CloseBracket(c);
            case '!':
                _bangPending = true;
                return null;
            case '$' or '?' or '`':
                // Never valid in Python code outside strings and comments.
                return $"invalid character '{c}' at offset {_offset}";
        }
        return null;
    }

    /// <summary>A closing bracket must close the innermost open one: what is open before it cannot change.</summary>
    private string? CloseBracket(char c)
    {
        if (_brackets == null)
        {
            return $"unmatched '{c}' at offset {_offset}";
        }
        char open = _brackets.Open;
        char expected = open switch
        {
            '(' => ')',
            '[' => ']',
            _ => '}',
        };
        if (c != expected)
        {
            return $"'{c}' does not match '{open}' at offset {_offset}";
        }
        _brackets = _brackets.Outer;
        return null;
    }

    private void Newline()
    {
        if (_brackets != null)
        {
            return; // inside brackets lines join
        }
        _blockExpected = _endsWithColon;
        _afterName = false;
        _headerLine = _line;
        _lineHasToken = false;
        _endsWithColon = false;
        _first = FirstToken.None;
        _atLineStart = true;
        _column = _altColumn = 0;
        _lineStart = _offset + 1;
    }

    /// <summary>Judges the indentation of a logical line at its first significant character, as Python's tokenizer does.</summary>
    private string? Indent()
    {
        if (_blockExpected)
        {
            // A header's block must be indented deeper (IndentationError: expected an indented block).
            _blockExpected = false;
            if (_column <= _topColumn)
            {
                return $"expected an indented block after line {_headerLine} at line {_line}";
            }
            if (_altColumn <= _topAltColumn)
            {
                return TabError();
            }
            _outer = new IndentFrame(_topColumn, _topAltColumn, _topClause, _outer);
            _topColumn = _column;
            _topAltColumn = _altColumn;
            _topClause = ClauseKind.None;
        }
        else if (_column > _topColumn)
        {
            return $"unexpected indent at line {_line}";
        }
        else if (_column < _topColumn)
        {
            while (_column < _topColumn && _outer != null)
            {
                // Leaving a level whose last statement was a try or a decorator: their required successor never came.
                string? unfinished = Unfinished(_topClause);
                if (unfinished != null)
                {
                    return unfinished;
                }
                _topColumn = _outer.Column;
                _topAltColumn = _outer.AltColumn;
                _topClause = _outer.Clause;
                _outer = _outer.Outer;
            }
            if (_column != _topColumn)
            {
                return $"unindent does not match any outer indentation level at line {_line}";
            }
        }
        if (_altColumn != _topAltColumn)
        {
            return TabError();
        }
        if (_threshold > 0 && _completedAt < 0 && _offset >= _contextLength && _column < _threshold)
        {
            _completedAt = Math.Max(_lineStart, _contextLength);
        }
        return null;
    }

    private readonly string TabError() => $"inconsistent use of tabs and spaces in indentation at line {_line}";

    private readonly string? Unfinished(ClauseKind clause) => clause switch
    {
        ClauseKind.Try => $"expected 'except' or 'finally' block at line {_line}",
        ClauseKind.Decorator => $"expected 'def' or 'class' after a decorator at line {_line}",
        _ => null,
    };

    /// <summary>
    /// A statement of kind <paramref name="kind"/> starts at the current level: after a try block only except or
    /// finally may come, after a decorator only a definition (Python: "expected 'except' or 'finally' block", invalid
    /// syntax after a decorator).
    /// </summary>
    private string? StartStatement(ClauseKind kind, bool definition)
    {
        if (_topClause == ClauseKind.Try || (_topClause == ClauseKind.Decorator && !definition))
        {
            return Unfinished(_topClause);
        }
        _topClause = kind;
        return null;
    }

    /// <summary>The first significant character of a logical line: what can start a statement.</summary>
    private string? BeginFirst(char c)
    {
        _first = FirstToken.Done;
        if (IsNameStart(c))
        {
            _first = FirstToken.Name;
            return null;
        }
        switch (c)
        {
            case '.':
                _first = FirstToken.Dot;
                return null;
            case '-':
                _first = FirstToken.Minus;
                return null;
            case '+':
                _first = FirstToken.Plus;
                return null;
            case '*':
                _first = FirstToken.Star;
                return null;
            case '@':
                _first = FirstToken.At;
                return null;
            case ')' or ']' or '}' or '$' or '?' or '`':
                return null; // the bracket and invalid-character rules name these
            case ',' or ';' or ':' or '=' or '!' or '/' or '%' or '|' or '&' or '^' or '<' or '>':
                // Only binary operators, delimiters and '!=' begin with these; no statement starts with one.
                return $"'{c}' cannot start a statement at line {_line}";
        }
        return StartStatement(ClauseKind.Other, definition: false); // a number, a string, '(', '[', '{', '~'
    }

    /// <summary>The character after a first token that needs one more character to judge.</summary>
    private string? ResolveFirst(char c)
    {
        FirstToken first = _first;
        _first = FirstToken.Done;
        switch (first)
        {
            case FirstToken.Dot:
                if (c == '.')
                {
                    _first = FirstToken.DotDot;
                    return null;
                }
                return char.IsAsciiDigit(c) ? StartStatement(ClauseKind.Other, definition: false) : $"'.' cannot start a statement at line {_line}";
            case FirstToken.DotDot:
                return c == '.' ? StartStatement(ClauseKind.Other, definition: false) : $"'..' cannot start a statement at line {_line}";
            case FirstToken.Minus when c is '>' or '=':
            case FirstToken.Plus when c == '=':
            case FirstToken.Star when c is '*' or '=':
            case FirstToken.At when c == '=':
                return $"'{Symbol(first)}{c}' cannot start a statement at line {_line}";
            case FirstToken.At:
                return StartStatement(ClauseKind.Decorator, definition: true);
            default:
                return StartStatement(ClauseKind.Other, definition: false);
        }
    }

    private static char Symbol(FirstToken first) => first switch
    {
        FirstToken.Minus => '-',
        FirstToken.Plus => '+',
        FirstToken.Star => '*',
        _ => '@',
    };

    /// <summary>
    /// The first name of a logical line ended: keywords that only continue an expression or a statement (in, is, and,
    /// or, as) cannot start one, and a continuation clause must follow the clause it belongs to at the same level
    /// (the last statement there is fixed once the new line starts). Names are judged only once they end: `el` may
    /// become `else` or `elements`.
    /// </summary>
    private string? EndFirstName()
    {
        _first = FirstToken.Done;
        ulong name = _nameLength <= 8 ? _namePack : 0;
        if (name == And || name == Or || name == In || name == Is || name == As)
        {
            return $"'{Unpack(name)}' cannot start a statement at line {_line}";
        }
        if (name == Elif)
        {
            return Continue(ClauseKind.Elif, _topClause is ClauseKind.If or ClauseKind.Elif, "'elif' without a preceding 'if'");
        }
        if (name == Else)
        {
            ClauseKind next = _topClause == ClauseKind.Except ? ClauseKind.TryElse : ClauseKind.Else;
            bool follows = _topClause is ClauseKind.If or ClauseKind.Elif or ClauseKind.For or ClauseKind.While or ClauseKind.Except;
            return Continue(next, follows, "'else' without a preceding 'if', 'for', 'while' or 'except'");
        }
        if (name == Except)
        {
            return Continue(ClauseKind.Except, _topClause is ClauseKind.Try or ClauseKind.Except, "'except' without a preceding 'try'");
        }
        if (name == Finally)
        {
            bool follows = _topClause is ClauseKind.Try or ClauseKind.Except or ClauseKind.TryElse;
            return Continue(ClauseKind.Other, follows, "'finally' without a preceding 'try'");
        }
        ClauseKind kind = name == If ? ClauseKind.If
            : name == For ? ClauseKind.For
            : name == While ? ClauseKind.While
            : name == Try ? ClauseKind.Try
            : name == Async ? ClauseKind.Unknown // async for/with/def: not judged
            : ClauseKind.Other;
        return StartStatement(kind, definition: name == Def || name == Class || name == Async);
    }

    /// <summary>A continuation clause (elif, else, except, finally) at the current level.</summary>
    private string? Continue(ClauseKind next, bool follows, string message)
    {
        if (_topClause == ClauseKind.Unknown)
        {
            return null;
        }
        if (!follows)
        {
            return $"{message} at line {_line}";
        }
        _topClause = next;
        return null;
    }

    private readonly bool StringPrefix(out bool bytes, out bool raw, out bool f)
    {
        bytes = raw = f = false;
        bool u = false;
        if (_nameLength > 2)
        {
            return false;
        }
        for (int i = 0; i < _nameLength; i++)
        {
            switch (char.ToLowerInvariant((char)(_namePack >> (8 * i) & 0xFF)))
            {
                case 'b' when !bytes:
                    bytes = true;
                    break;
                case 'r' when !raw:
                    raw = true;
                    break;
                case 'f' when !f:
                    f = true;
                    break;
                case 'u' when _nameLength == 1:
                    u = true;
                    break;
                default:
                    return false;
            }
        }
        return u || !(bytes && f);
    }

    private void StartString(char quote, bool bytes, bool raw, bool f)
    {
        _mode = ScanMode.String;
        _quote = quote;
        _openQuotes = 1;
        _triple = false;
        _closeQuotes = 0;
        _escape = false;
        _bytes = bytes;
        _raw = raw;
        _f = f;
        _stringOffset = _offset;
        _stringLine = _line;
        _fPart = FStringPart.Literal;
        _fDepth = 0;
        _fNested = '\0';
    }

    private string? StringChar(char c)
    {
        if (_openQuotes == 1)
        {
            _openQuotes = 0;
            if (c == _quote)
            {
                _openQuotes = 2; // '' so far: empty, or the start of '''
                return null;
            }
        }
        else if (_openQuotes == 2)
        {
            _openQuotes = 0;
            if (c == _quote)
            {
                _triple = true;
                return null;
            }
            return Code(c); // the empty string ended
        }

        if (_escape)
        {
            // A backslash escapes the next character for where the string ends, raw or not (r"\"" is one string).
            _escape = false;
            return Content(c, escaped: true);
        }
        if (c == _quote)
        {
            if (!_triple || ++_closeQuotes == 3)
            {
                return CloseString();
            }
            return _f ? FChar(c, escaped: false) : null;
        }
        _closeQuotes = 0;
        if (c == '\\')
        {
            _escape = true;
            return _f ? FChar(c, escaped: false) : null;
        }
        if (c == '\n' && !_triple)
        {
            // A single-quoted string cannot span lines unless the newline is escaped.
            return $"newline in string started at offset {_stringOffset} (line {_stringLine}) at line {_line}";
        }
        return Content(c, escaped: false);
    }

    private string? Content(char c, bool escaped)
    {
        _closeQuotes = 0;
        if (_bytes && c > 127)
        {
            return $"bytes can only contain ASCII literal characters at offset {_offset}";
        }
        return _f ? FChar(c, escaped) : null;
    }

    private string? CloseString()
    {
        _mode = ScanMode.Code;
        if (!_f)
        {
            return null;
        }
        return _fPart switch
        {
            FStringPart.OpenBrace or FStringPart.Expression or FStringPart.Spec or FStringPart.SpecExpression
                => $"f-string: expecting '}}' in the string at offset {_stringOffset}",
            FStringPart.CloseBrace => $"f-string: single '}}' is not allowed in the string at offset {_stringOffset}",
            _ => null,
        };
    }

    /// <summary>One character of an f-string's text, as Python 3.11's f-string parser reads it.</summary>
    private string? FChar(char c, bool escaped)
    {
        switch (_fPart)
        {
            case FStringPart.Literal:
                return FLiteral(c, escaped);
            case FStringPart.OpenBrace:
                if (c == '{')
                {
                    _fPart = FStringPart.Literal;
                    return null;
                }
                _fPart = FStringPart.Expression;
                _fDepth = 0;
                _fNested = '\0';
                return FExpression(c);
            case FStringPart.CloseBrace:
                if (c == '}')
                {
                    _fPart = FStringPart.Literal;
                    return null;
                }
                return $"f-string: single '}}' is not allowed at offset {_offset - 1}";
            case FStringPart.EscapeN:
                if (c == '{')
                {
                    _fPart = FStringPart.CharacterName;
                    return null;
                }
                _fPart = FStringPart.Literal;
                return FLiteral(c, escaped);
            case FStringPart.CharacterName:
                if (c == '}')
                {
                    _fPart = FStringPart.Literal;
                }
                return null;
            case FStringPart.Spec:
                if (c == '{')
                {
                    _fPart = FStringPart.SpecExpression;
                    _fDepth = 0;
                    _fNested = '\0';
                }
                else if (c == '}')
                {
                    _fPart = FStringPart.Literal;
                }
                return null;
            default:
                return FExpression(c);
        }
    }

    private string? FLiteral(char c, bool escaped)
    {
        if (escaped && c == 'N' && !_raw)
        {
            _fPart = FStringPart.EscapeN;
        }
        else if (c == '{')
        {
            _fPart = FStringPart.OpenBrace;
        }
        else if (c == '}')
        {
            _fPart = FStringPart.CloseBrace;
        }
        return null;
    }

    private string? FExpression(char c)
    {
        if (c == '\\')
        {
            return $"f-string expression part cannot include a backslash at offset {_offset}";
        }
        if (_fNested != '\0')
        {
            // A string inside the expression (its braces are not fields), opened by one quote, two (empty) or three,
            // as 3.11's f-string parser reads it.
            if (_fNestedOpen == 1)
            {
                _fNestedOpen = 0;
                if (c == _fNested)
                {
                    _fNestedOpen = 2;
                    return null;
                }
            }
            else if (_fNestedOpen == 2)
            {
                _fNestedOpen = 0;
                if (c == _fNested)
                {
                    _fNestedTriple = true;
                    return null;
                }
                _fNested = '\0'; // the empty string ended
                return FExpression(c);
            }
            if (c != _fNested)
            {
                _fNestedClose = 0;
            }
            else if (!_fNestedTriple || ++_fNestedClose == 3)
            {
                _fNested = '\0';
            }
            return null;
        }
        switch (c)
        {
            case '\'' or '"':
                _fNested = c;
                _fNestedOpen = 1;
                _fNestedTriple = false;
                _fNestedClose = 0;
                break;
            case '(' or '[' or '{':
                _fDepth++;
                break;
            case ')' or ']':
                _fDepth = Math.Max(0, _fDepth - 1);
                break;
            case '}':
                if (_fDepth > 0)
                {
                    _fDepth--;
                }
                else
                {
                    _fPart = _fPart == FStringPart.SpecExpression ? FStringPart.Spec : FStringPart.Literal;
                }
                break;
            case ':' when _fDepth == 0 && _fPart == FStringPart.Expression:
                _fPart = FStringPart.Spec;
                break;
            case '#':
                return $"f-string expression part cannot include '#' at offset {_offset}";
        }
        return null;
    }

    private static readonly ulong[] KeywordPacks =
    [
        .. new[]
        {
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
            "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
            "return", "try", "while", "with", "yield", "match", "case", "type",
        }.Select(Pack),
    ];

    // Every prefix of a keyword, packed: a name after a name must still be able to become a keyword.
    private static readonly HashSet<ulong> KeywordPrefixes =
    [
        .. new[]
        {
            "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else",
            "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
            "return", "try", "while", "with", "yield", "match", "case", "type",
        }.SelectMany(k => Enumerable.Range(1, k.Length).Select(n => Pack(k[..n]))),
    ];

    private readonly string TwoNames() => $"two names in a row (no operator between them) at offset {_offset}";

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_' || c > 127;

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_' || c > 127;

    private static ulong Pack(string word)
    {
        ulong pack = 0;
        foreach (char c in word)
        {
            pack = pack << 8 | c;
        }
        return pack;
    }

    private static string Unpack(ulong pack)
    {
        Span<char> chars = stackalloc char[8];
        int length = 0;
        for (; pack != 0; pack >>= 8)
        {
            chars[length++] = (char)(pack & 0xFF);
        }
        chars[..length].Reverse();
        return new string(chars[..length]);
    }
}
