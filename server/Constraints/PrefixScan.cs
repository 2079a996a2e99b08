namespace CodeGen.Server.Constraints;

/// <summary>
/// Checks every prefix prompt + text[0..k] (k = 0..text.Length, in characters) with a constraint, appending one
/// character at a time as a completion would; the first rejected k is the shortest rejected prefix. The command
/// <c>server check-prefixes</c> and the false-rejection tests both use it.
/// </summary>
internal static class PrefixScan
{
    /// <summary>The result: how many prefixes were viable, and the first rejection (offset into text, reason) if any.</summary>
    public readonly record struct Result(int Viable, int Total, int? RejectedAt, string? Reason);

    public static Result Run(ISyntaxConstraint constraint, string prompt, string text)
    {
        IPrefixChecker checker = constraint.Begin(prompt);
        int appended = 0;
        for (int k = 0; k <= text.Length; k++)
        {
            // Never split a surrogate pair: a completion's text only ever holds whole characters.
            if (k > 0 && k < text.Length && char.IsHighSurrogate(text[k - 1])) continue;
            string next = text[appended..k];
            PrefixVerdict verdict = checker.Check(next);
            if (!verdict.Viable) return new Result(k, text.Length + 1, k, verdict.Reason);
            checker.Append(next);
            appended = k;
        }
        return new Result(text.Length + 1, text.Length + 1, null, null);
    }
}
