namespace CodeGen.Server.Constraints.Python;

/// <summary>Which part of an f-string's text the scanner is in (Python 3.11: the f-string is one string token whose
/// text is then parsed for replacement fields).</summary>
internal enum FStringPart : byte
{
    /// <summary>Literal text.</summary>
    Literal,

    /// <summary>After one <c>{</c>: <c>{{</c> is a literal brace, anything else opens a replacement field.</summary>
    OpenBrace,

    /// <summary>After one <c>}</c> in literal text: it must be doubled.</summary>
    CloseBrace,

    /// <summary>After <c>\N</c> in a non-raw f-string: <c>{</c> opens a character name, not a field.</summary>
    EscapeN,

    /// <summary>Inside <c>\N{...}</c>.</summary>
    CharacterName,

    /// <summary>The expression of a replacement field.</summary>
    Expression,

    /// <summary>The format spec after the expression's <c>:</c>.</summary>
    Spec,

    /// <summary>A field nested in a format spec (<c>{x:{width}}</c>).</summary>
    SpecExpression,
}
