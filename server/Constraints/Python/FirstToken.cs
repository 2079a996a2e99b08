namespace CodeGen.Server.Constraints.Python;

/// <summary>How far the scanner has judged the first token of the current logical line.</summary>
internal enum FirstToken : byte
{
    /// <summary>No token yet on this logical line.</summary>
    None,

    /// <summary>An identifier or keyword still being read (judged when it ends).</summary>
    Name,

    /// <summary>One <c>.</c>: only <c>...</c> or a number such as <c>.5</c> may follow.</summary>
    Dot,

    /// <summary><c>..</c>: only a third <c>.</c> may follow.</summary>
    DotDot,

    /// <summary><c>-</c>: <c>-&gt;</c> and <c>-=</c> cannot start a statement, <c>-x</c> can.</summary>
    Minus,

    /// <summary><c>+</c>: <c>+=</c> cannot start a statement.</summary>
    Plus,

    /// <summary><c>*</c>: <c>**</c> and <c>*=</c> cannot start a statement, <c>*a, b = ...</c> can.</summary>
    Star,

    /// <summary><c>@</c>: a decorator, unless <c>@=</c> follows.</summary>
    At,

    /// <summary>Judged: the rest of the logical line is not a line start.</summary>
    Done,
}
