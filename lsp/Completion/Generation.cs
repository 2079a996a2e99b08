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

    private readonly Lock _gate = new();
    private string _partial = "";
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The raw text generated so far.
    public string Partial
    {
        get
        {
            lock (_gate)
            {
                return _partial;
            }
        }
    }

    // Completes when more text arrives (take it again after each wait).
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public void Append(string textSoFar)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _partial = textSoFar;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    // Whether text typed after this generation's cursor can still be what it writes: one is a prefix of the other.
    public bool CanServe(string typed)
    {
        string partial = Partial;
        return partial.StartsWith(typed, StringComparison.Ordinal) || typed.StartsWith(partial, StringComparison.Ordinal);
    }
}
