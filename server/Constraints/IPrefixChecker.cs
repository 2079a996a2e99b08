namespace CodeGen.Server.Constraints;

/// <summary>
/// The viability of one growing code text: the context, then the text of every token the sequence keeps. One per
/// sequence, used from the engine loop thread only.
/// </summary>
internal interface IPrefixChecker
{
    /// <summary>The text so far: the context and everything appended.</summary>
    string Text { get; }

    /// <summary>Whether <see cref="Text"/> followed by <paramref name="next"/> can still be completed into valid code; changes nothing.</summary>
    PrefixVerdict Check(string next);

    /// <summary>Appends text the sequence keeps (callers append only text whose <see cref="Check"/> was viable).</summary>
    void Append(string text);

    /// <summary>Drops the text from character <paramref name="length"/> on (rejected drafts); never below the context.</summary>
    void Truncate(int length);

    /// <summary>
    /// Where the completion is finished, as an offset into <see cref="Text"/>: it closed the block or member the cursor was
    /// in (C#: the brace of the enclosing block; Python: a line dedented out of the cursor's block), or null while it is not.
    /// Text after the offset is not part of the completion.
    /// </summary>
    int? CompletedAt { get; }

    /// <summary>
    /// Text that, appended, finishes the completion with valid code: C#, the open literals, brackets and statements
    /// closed up to the brace of the cursor's block (so that <see cref="CompletedAt"/> is set); Python, every string and
    /// bracket closed, a last operand and an empty block's body written. "" when the text is finished already; null when
    /// the checker finds no such text. Changes nothing.
    /// </summary>
    string? Closer();
}
