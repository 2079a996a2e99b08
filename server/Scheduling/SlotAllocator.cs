using CodeGen.Model.Caching;

namespace CodeGen.Server.Scheduling;

/// <summary>
/// Hands out KV-cache slots and keeps a prefix cache: a freed slot remembers the tokens whose keys and values it
/// still holds, and a new prompt takes the free slot sharing the longest prefix with it (an editor's successive
/// keystrokes share almost all of their prompt), so only the differing tail is prefilled. Without a match the
/// least recently freed slot is reused.
/// </summary>
internal sealed class SlotAllocator
{
    private readonly KvCache _cache;
    private readonly List<int> _free; // least recently freed first
    private readonly List<int>?[] _held;

    private readonly bool _reusePrefixes;

    public SlotAllocator(KvCache cache, bool reusePrefixes = true)
    {
        _cache = cache;
        _reusePrefixes = reusePrefixes;
        for (int i = 0; i < cache.Slots; i++) cache.Allocate(); // the allocator owns every slot
        _free = Enumerable.Range(0, cache.Slots).ToList();
        _held = new List<int>?[cache.Slots];
    }

    public int FreeSlots => _free.Count;

    public int TotalSlots => _cache.Slots;

    /// <summary>Prompt tokens served from the prefix cache so far.</summary>
    public long ReusedTokens { get; private set; }

    /// <summary>Takes a slot for <paramref name="prompt"/>; returns it and how many prompt tokens are already cached.</summary>
    public (int Slot, int Reused) Acquire(IReadOnlyList<int> prompt)
    {
        if (_free.Count == 0) throw new InvalidOperationException("No free KV-cache slot");
        int best = 0, bestLength = 0;
        for (int i = 0; i < _free.Count; i++)
        {
            List<int>? held = _held[_free[i]];
            if (held is null || !_reusePrefixes) continue;
            int limit = Math.Min(held.Count, prompt.Count - 1); // the last prompt token must run to give logits
            int length = 0;
            while (length < limit && held[length] == prompt[length]) length++;
            if (length > bestLength)
            {
                best = i;
                bestLength = length;
            }
        }
        int slot = _free[best];
        _free.RemoveAt(best);
        _held[slot] = null;
        _cache.Truncate(slot, bestLength);
        ReusedTokens += bestLength;
        return (slot, bestLength);
    }

    /// <summary>Returns a slot whose cache holds <paramref name="cachedTokens"/>.</summary>
    public void Release(int slot, IReadOnlyList<int> cachedTokens)
    {
        _held[slot] = cachedTokens.Take(_cache.Length(slot)).ToList();
        _free.Add(slot);
    }
}
