using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Generation;

// --server URL: the problem's prompt sent to an OpenAI-compatible /v1/completions, n = samples wanted.
internal sealed class ServerCompletions(OpenAiCompletionClient client, GenerationSettings settings) : ICompletionSource
{
    public string Kind => "server";

    public Task<IReadOnlyList<string>> GetAsync(Problem problem, int first, int count, CancellationToken cancellationToken) =>
        client.CompleteAsync(
            new CompletionRequest(problem.Prompt, count, settings.Temperature, settings.MaxTokens, problem.StopSequences, settings.Model, settings.Constrain, settings.Speculative),
            cancellationToken);
}
