namespace CodeGen.Lsp.Completion;

// One request to the server in flight, shared by every LSP request that waits for it: those at its cursor
// and those whose cursor continues it (the user typed on while it ran). Aborted when nobody waits any more
// and no newer request has taken it up (CompletionEngine).
internal sealed class Generation(CursorKey key)
{
    public CursorKey Key { get; } = key;

    // Cancelled to abort the HTTP request, so the server frees the sequence.
    public CancellationTokenSource Abort { get; } = new();

    // The trimmed suggestion, or null (none, failed or aborted). Set once, right after construction.
    public Task<string?> Result { get; set; } = Task.FromResult<string?>(null);

    // LSP requests waiting for Result; guarded by CompletionEngine's lock.
    public int Waiters { get; set; }
}
