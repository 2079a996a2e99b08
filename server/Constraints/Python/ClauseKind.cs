namespace CodeGen.Server.Constraints.Python;

/// <summary>
/// What the last statement at one indentation level was, as far as the clauses that may follow it care
/// (<c>elif</c>, <c>else</c>, <c>except</c>, <c>finally</c>, and what a <c>try</c> or a decorator demands next).
/// </summary>
internal enum ClauseKind : byte
{
    /// <summary>No statement yet at this level (a block just opened, or the start of the text).</summary>
    None,

    /// <summary>A simple statement or a header no clause continues (def, class, with, match, case, finally...).</summary>
    Other,

    /// <summary>Not judged (an <c>async</c> statement, a line starting with a continuation): every clause may follow.</summary>
    Unknown,

    If,
    Elif,
    For,
    While,
    Try,
    Except,

    /// <summary>The <c>else</c> of a try statement (after an except): only <c>finally</c> may follow.</summary>
    TryElse,

    /// <summary>The <c>else</c> of an if, for or while: nothing may follow.</summary>
    Else,

    /// <summary>A decorator line: a def, a class or another decorator must follow at the same level.</summary>
    Decorator,
}
