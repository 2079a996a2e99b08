using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// --server URL: the problem's prompt sent to an OpenAI-compatible /v1/completions, n = samples wanted. A prompt
// whose length (the response's usage.prompt_tokens) plus max_tokens exceeds the context the server advertises
// (GET /v1/models, asked once) is a PromptTooLongException, even where the server generated what fit: the
// problem was not run as asked. A server that refuses the prompt outright gives the same exception. A constrained
// request whose prompt is not valid code itself gets empty completions (PromptNotViableException).
internal sealed class ServerCompletions(OpenAiCompletionClient client, GenerationSettings settings) : ICompletionSource
{
    private readonly SemaphoreSlim _contextLock = new(1, 1);
    private bool _contextKnown;
    private int? _context;

    public string Kind => "server";

    public async Task<IReadOnlyList<string>> GetAsync(Problem problem, int first, int count, CancellationToken cancellationToken)
    {
        int? context = await ContextAsync(cancellationToken).ConfigureAwait(false);
        IReadOnlyList<string> texts;
        int? promptTokens;
        try
        {
            (texts, promptTokens) = await client.CompleteWithUsageAsync(
                new CompletionRequest(problem.Prompt, count, settings.Temperature, settings.MaxTokens, problem.StopSequences, settings.Model, settings.Constrain, settings.Speculative),
                cancellationToken).ConfigureAwait(false);
        }
        catch (PromptNotViableException)
        {
            // The constraint allows no completion of this prompt: the empty one is what it produced.
            return [.. Enumerable.Repeat("", count)];
        }
        if (context is int c && promptTokens is int p && p + settings.MaxTokens > c)
        {
            throw new PromptTooLongException(p, settings.MaxTokens, c);
        }

        return texts;
    }

    private async Task<int?> ContextAsync(CancellationToken cancellationToken)
    {
        await _contextLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_contextKnown)
            {
                _context = await client.ContextAsync(settings.Model, cancellationToken).ConfigureAwait(false);
                _contextKnown = true;
            }

            return _context;
        }
        finally
        {
            _contextLock.Release();
        }
    }
}
