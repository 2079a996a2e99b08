namespace CodeGen.Lsp.Completion;

// Suggestions already made, least recently used dropped first. A lookup hits when the cursor is where a
// suggestion was made, or where typing exactly that suggestion's first characters has taken it: the rest is
// served without a request. Thread-safe.
internal sealed class CompletionCache(int capacity = 256)
{
    private readonly Lock _gate = new();
    private readonly LinkedList<(CursorKey Key, string Text)> _entries = new();

    public int Hits { get; private set; }

    public int Misses { get; private set; }

    public void Add(CursorKey key, string text)
    {
        lock (_gate)
        {
            for (LinkedListNode<(CursorKey Key, string Text)>? node = _entries.First; node is not null; node = node.Next)
            {
                if (node.Value.Key == key)
                {
                    _entries.Remove(node);
                    break;
                }
            }

            _entries.AddFirst((key, text));
            if (_entries.Count > capacity)
            {
                _entries.RemoveLast();
            }
        }
    }

    // The part of a cached suggestion still ahead of cursor, or null.
    public string? Lookup(CursorKey cursor)
    {
        lock (_gate)
        {
            for (LinkedListNode<(CursorKey Key, string Text)>? node = _entries.First; node is not null; node = node.Next)
            {
                (CursorKey key, string text) = node.Value;
                if (key.Typed(cursor) is { } typed && text.Length > typed.Length && text.StartsWith(typed, StringComparison.Ordinal))
                {
                    _entries.Remove(node);
                    _entries.AddFirst(node);
                    Hits++;
                    return text[typed.Length..];
                }
            }

            Misses++;
            return null;
        }
    }
}
