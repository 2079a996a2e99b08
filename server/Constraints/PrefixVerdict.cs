namespace CodeGen.Server.Constraints;

/// <summary>Whether a text can still be completed into valid code, and if not, the diagnostic or rule that decided it.</summary>
/// <param name="Viable">True when some appended text can make it valid.</param>
/// <param name="Reason">For a rejection: what decided it, naming the position (e.g. "CS1002 at 41: ; expected"); null when viable.</param>
internal readonly record struct PrefixVerdict(bool Viable, string? Reason)
{
    public static PrefixVerdict Ok { get; } = new(true, null);

    public static PrefixVerdict Reject(string reason) => new(false, reason);
}
