namespace CodeGen.Model;

/// <summary>
/// One sequence's part of a forward pass over a paged KV cache: its new tokens go to positions
/// [<paramref name="Start"/>, Start + Tokens.Count), whose keys and values are written into the blocks of
/// <paramref name="BlockTable"/>; attention reads positions [0, Start + Tokens.Count) from the same blocks.
/// </summary>
/// <param name="Tokens">New token ids: a prompt chunk, one decode token, or a token followed by drafted tokens.</param>
/// <param name="Start">Positions the sequence already holds in the cache.</param>
/// <param name="BlockTable">The cache blocks holding the sequence's positions, in order (enough for Start + Tokens.Count).</param>
/// <param name="LogitRows">How many of the last new positions need logits: 1 for a decode, k + 1 to verify k drafted tokens, 0 for a prefill chunk that is not the last.</param>
/// <param name="Adapter">The LoRA adapter slot the sequence runs with (<see cref="CausalLM.AdapterSlots"/>); 0, the default, is the base model.</param>
public sealed record SequenceStep(IReadOnlyList<int> Tokens, int Start, IReadOnlyList<int> BlockTable, int LogitRows = 1, int Adapter = 0);
