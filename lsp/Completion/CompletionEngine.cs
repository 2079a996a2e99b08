using System.Globalization;
using CodeGen.Lsp.Client;
using CodeGen.Lsp.Protocol;
using Microsoft.Extensions.Logging;

namespace CodeGen.Lsp.Completion;

// Turns a cursor into a suggestion, doing as little as it can: the cache first (a suggestion made here, or
// one the user is typing through); then a request in flight that this cursor continues; only then, after the
// debounce delay (context retrieved meanwhile), a new request. A newer request or keystroke for the same
// document supersedes a waiting one (it answers nothing); a generation nobody waits for is aborted after a
// short grace (so the next keystroke's request can take it up), or at once when a request that cannot use
// it starts. Thread-safe.
internal sealed class CompletionEngine(
    DocumentStore documents,
    WorkspaceIndex workspace,
    CompletionClient client,
    Func<LspSettings> settings,
    TimeProvider time,
    ILogger logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _waiting = new(StringComparer.Ordinal);
    private readonly List<Generation> _inFlight = [];
    private int _joins;
    private int _aborted;
    private int _promptsWithContext;

    public CompletionCache Cache { get; } = new();

    // The workspace folder's path (for path comments), or null.
    public string? WorkspaceRoot { get; set; }

    // Requests that took up a generation already in flight.
    public int Joins => Volatile.Read(ref _joins);

    // Generations aborted before they finished (their HTTP requests were cancelled).
    public int Aborted => Volatile.Read(ref _aborted);

    // Requests sent to the server.
    public int RequestsSent => client.RequestsSent;

    // Prompts built with at least one passage of another file.
    public int PromptsWithContext => Volatile.Read(ref _promptsWithContext);

    // A keystroke (didChange) or close: the request waiting for uri's suggestion is no longer wanted.
    public void Supersede(string uri)
    {
        CancellationTokenSource? waiting;
        lock (_gate)
        {
            _waiting.Remove(uri, out waiting);
        }

        waiting?.Cancel();
    }

    // A suggestion at position, or null. invoked: the user asked explicitly (no debounce).
    // Throws OperationCanceledException: cancellationToken fired ($/cancelRequest).
    public async Task<Suggestion?> SuggestAsync(string uri, Position position, bool invoked, CancellationToken cancellationToken)
    {
        if (!documents.TryGet(uri, out OpenDocument? document))
        {
            return null;
        }

        LspSettings s = settings();
        string text = document.Text;
        int offset = TextEdits.OffsetAt(text, position, documents.Encoding);
        Position cursor = TextEdits.PositionAt(text, offset, documents.Encoding);
        var range = new TextRange(cursor, cursor);
        CompletionShape shape = CompletionShape.At(text, offset, s.Lines);
        CursorKey key = CursorKey.At(uri, SettingsKey(s, document.LanguageId), text, offset);

        if (Cache.Lookup(key) is { } cached)
        {
            return new Suggestion(cached, range);
        }

        // Not disposed: a keystroke may cancel it from another thread at any time, even after this request
        // has finished (it holds no timer, so nothing leaks).
        var superseded = new CancellationTokenSource();
        CancellationTokenSource? older;
        lock (_gate)
        {
            _waiting.Remove(uri, out older);
            _waiting[uri] = superseded;
        }

        older?.Cancel();

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, superseded.Token);
        CancellationToken token = linked.Token;
        try
        {
            if (Join(key) is { } running)
            {
                Interlocked.Increment(ref _joins);
                string typed = running.Key.Typed(key)!;
                string? shared = await WaitWhileItCanServeAsync(running, typed, token);
                if (shared is not null && shared.Length > typed.Length && shared.StartsWith(typed, StringComparison.Ordinal))
                {
                    return new Suggestion(shared[typed.Length..], range);
                }
            }

            IReadOnlyList<OpenDocument> open = documents.ByRecentEdit();
            IReadOnlySet<string> edited = documents.EditedUris();
            int? promptCap = client.PromptCharsCap;
            int contextChars = Math.Min(s.ContextTokens * LspSettings.CharsPerToken, (promptCap ?? int.MaxValue) / 3);
            Task<IReadOnlyList<ContextSnippet>> context = contextChars == 0
                ? Task.FromResult<IReadOnlyList<ContextSnippet>>([])
                : Task.Run(
                    () => ContextRetriever.Retrieve(document, offset, open, edited, workspace.Files, WorkspaceRoot, contextChars),
                    token);
            if (!invoked && s.DebounceMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(s.DebounceMs), time, token);
            }

            IReadOnlyList<ContextSnippet> snippets = await context;
            if (snippets.Count > 0)
            {
                Interlocked.Increment(ref _promptsWithContext);
            }

            CompletionPrompt prompt = PromptBuilder.Build(
                text, offset, document.LanguageId, ContextRetriever.DisplayPath(uri, WorkspaceRoot), snippets, s, promptCap);
            Generation generation = Start(key, prompt, shape, document.LanguageId, s);
            string? suggestion = await WaitAsync(generation, token);
            return suggestion is null ? null : new Suggestion(suggestion, range);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Superseded by a newer request or keystroke: nothing to show for this one.
            return null;
        }
        finally
        {
            lock (_gate)
            {
                if (_waiting.TryGetValue(uri, out CancellationTokenSource? current) && current == superseded)
                {
                    _waiting.Remove(uri);
                }
            }
        }
    }

    // A generation in flight that key continues, now with one more waiter; generations of the same document
    // that nobody waits for and key cannot use are aborted.
    private Generation? Join(CursorKey key)
    {
        Generation? found = null;
        var idle = new List<Generation>();
        lock (_gate)
        {
            foreach (Generation generation in _inFlight)
            {
                if (found is null && generation.Key.Typed(key) is not null)
                {
                    found = generation;
                    generation.Waiters++;
                }
                else if (generation.Waiters == 0 && generation.Key.Uri == key.Uri)
                {
                    idle.Add(generation);
                }
            }
        }

        idle.ForEach(Abort);
        return found;
    }

    private Generation Start(CursorKey key, CompletionPrompt prompt, CompletionShape shape, string languageId, LspSettings s)
    {
        var generation = new Generation(key) { Waiters = 1 };
        var request = new ServerCompletionRequest(
            prompt.Prompt,
            prompt.Suffix.Length == 0 || !s.Fim ? null : prompt.Suffix,
            s.MaxTokens,
            s.Temperature,
            shape.Stop,
            s.ConstrainFor(languageId));
        lock (_gate)
        {
            // Result is set before anyone else can see the generation. The request and its stream run on the
            // thread pool, off the JSON-RPC dispatch context that keystrokes go through.
            generation.Result = Task.Run(() => RunAsync(generation, request, shape, prompt.Suffix, s));
            _inFlight.Add(generation);
        }

        return generation;
    }

    private async Task<string?> RunAsync(Generation generation, ServerCompletionRequest request, CompletionShape shape, string suffix, LspSettings s)
    {
        try
        {
            string? raw = await client.CompleteAsync(request, s, generation.Abort.Token, generation.Append);
            string? trimmed = raw is null ? null : CompletionTrimmer.Trim(raw, shape, suffix);
            if (string.IsNullOrWhiteSpace(trimmed))
            {
                return null;
            }

            Cache.Add(generation.Key, trimmed);
            return trimmed;
        }
        catch (OperationCanceledException) when (generation.Abort.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            lock (_gate)
            {
                _inFlight.Remove(generation);
            }
        }
    }

    // Waits for a generation this cursor continues, as long as what it streams can still start with what was
    // typed since its cursor; once it cannot, leaves at once (null), and the generation is aborted if nobody
    // else waits for it: a later keystroke extends the same typed text, so it cannot use it either.
    private async Task<string?> WaitWhileItCanServeAsync(Generation generation, string typed, CancellationToken cancellationToken)
    {
        bool diverged = false;
        try
        {
            while (!generation.Result.IsCompleted)
            {
                Task changed = generation.Changed;
                if (!generation.CanServe(typed))
                {
                    diverged = true;
                    return null;
                }

                await Task.WhenAny(changed, generation.Result).WaitAsync(cancellationToken);
            }

            return await generation.Result;
        }
        finally
        {
            bool idle;
            lock (_gate)
            {
                idle = --generation.Waiters == 0 && !generation.Result.IsCompleted;
            }

            if (idle && diverged)
            {
                Abort(generation);
            }
            else if (idle)
            {
                _ = AbortIfIdleLaterAsync(generation);
            }
        }
    }

    // Waits for generation's result; a waiter that gives up leaves, and the last to leave starts the grace
    // period after which the generation is aborted unless a newer request took it up.
    private async Task<string?> WaitAsync(Generation generation, CancellationToken cancellationToken)
    {
        try
        {
            return await generation.Result.WaitAsync(cancellationToken);
        }
        finally
        {
            bool idle;
            lock (_gate)
            {
                idle = --generation.Waiters == 0 && !generation.Result.IsCompleted;
            }

            if (idle)
            {
                _ = AbortIfIdleLaterAsync(generation);
            }
        }
    }

    private async Task AbortIfIdleLaterAsync(Generation generation)
    {
        // Long enough for the request of the keystroke that superseded the waiter to arrive and join.
        await Task.Delay(TimeSpan.FromMilliseconds(settings().DebounceMs + 100), time);
        Abort(generation);
    }

    // Aborts generation unless someone waits for it again or it finished.
    private void Abort(Generation generation)
    {
        lock (_gate)
        {
            if (generation.Waiters > 0 || !_inFlight.Remove(generation))
            {
                return;
            }
        }

        Interlocked.Increment(ref _aborted);
        LogMessages.GenerationAborted(logger, generation.Key.Uri, generation.Key.Offset);
        generation.Abort.Cancel();
    }

    private static string SettingsKey(LspSettings s, string languageId) => string.Create(CultureInfo.InvariantCulture,
        $"{s.Server}|{s.MaxTokens}|{s.Temperature}|{s.Lines}|{s.PromptTokens}|{s.ContextTokens}|{s.Fim}|{s.ConstrainFor(languageId)}");
}
