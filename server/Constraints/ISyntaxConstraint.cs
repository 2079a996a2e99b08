namespace CodeGen.Server.Constraints;

/// <summary>
/// A language's syntax constraint: whether a code text can still be completed into valid code by appending
/// more text at its end (the prefix property). Stateless and shared; <see cref="Begin"/> makes the per-sequence state.
/// </summary>
internal interface ISyntaxConstraint
{
    /// <summary>The value of the request's <c>constrain</c> field that selects it ("csharp", "python").</summary>
    string Name { get; }

    /// <summary>A checker whose text starts as <paramref name="context"/> (the code before the cursor).</summary>
    IPrefixChecker Begin(string context);
}
