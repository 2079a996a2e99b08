namespace CodeGen.Server.Backends;

/// <summary>One sequence's part of a step: the tokens to append and how many of the last positions need logits.</summary>
/// <param name="Id">The sequence.</param>
/// <param name="Tokens">New tokens (appended at the sequence's length).</param>
/// <param name="LogitRows">1 for a decode or a prompt's last chunk, k + 1 to verify k drafts, 0 for an earlier prefill chunk, Tokens.Count for every position.</param>
internal sealed record BackendSequence(long Id, IReadOnlyList<int> Tokens, int LogitRows);
