namespace CodeGen.Model;

/// <summary>Tokens to append to the sequence held in KV-cache slot <paramref name="Slot"/> in one forward pass.</summary>
/// <param name="Slot">The sequence's cache slot.</param>
/// <param name="Tokens">New token ids: a whole prompt (prefill), a prompt chunk, or one token (decode).</param>
public sealed record SequenceInput(int Slot, IReadOnlyList<int> Tokens);
