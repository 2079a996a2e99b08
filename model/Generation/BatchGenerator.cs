using CodeGen.Model.Caching;
using CodeGen.Model.Sampling;
using static TorchSharp.torch;

namespace CodeGen.Model.Generation;

/// <summary>
/// Generates a fixed batch of sequences to completion: one batched prefill of all prompts (different
/// lengths), then one batched decode step per token for the sequences still running. The server's
/// scheduler does the same with requests joining and leaving; this is the simple, offline form used by
/// the CLI, benchmarks and reference checks.
/// </summary>
public static class BatchGenerator
{
    /// <summary>Called with each sequence's logits (vocab) at every position that was run: (sequence, position, logits).</summary>
    public delegate void LogitsObserver(int sequence, int position, Tensor logits);

    /// <summary>Runs all <paramref name="requests"/> together and returns their results in order.</summary>
    /// <exception cref="ArgumentException">An empty prompt, or a prompt longer than the model's context.</exception>
    public static IReadOnlyList<GenerationResult> Generate(CausalLM model, IReadOnlyList<GenerationRequest> requests, LogitsObserver? observer = null)
    {
        int context = model.Config.MaxPositionEmbeddings;
        foreach (GenerationRequest r in requests)
        {
            if (r.PromptIds.Count == 0) throw new ArgumentException("Prompt is empty");
            if (r.PromptIds.Count > context) throw new ArgumentException($"Prompt has {r.PromptIds.Count} tokens; the model's context is {context}");
        }
        int capacity = requests.Max(r => Math.Min(context, r.PromptIds.Count + Math.Max(r.MaxTokens, 0)));
        using KvCache cache = model.CreateCache(requests.Count, Math.Max(capacity, 1));
        using var noGrad = no_grad();

        int n = requests.Count;
        var samplers = requests.Select(r => new Sampler(r.Sampling)).ToArray();
        var histories = requests.Select(r => new List<int>(r.PromptIds)).ToArray();
        var outputs = requests.Select(_ => new List<int>()).ToArray();
        var finish = new string?[n];
        var slots = requests.Select(_ => cache.Allocate()).ToArray();
        for (int i = 0; i < n; i++)
        {
            if (requests[i].MaxTokens <= 0) finish[i] = "length";
        }

        var inputs = Enumerable.Range(0, n).Where(i => finish[i] is null)
            .Select(i => (Index: i, Input: new SequenceInput(slots[i], requests[i].PromptIds))).ToList();
        while (inputs.Count > 0)
        {
            using var scope = NewDisposeScope();
            // With an observer every position's logits are needed: (B, T, vocab); else the last of each: (B, vocab).
            Tensor logits = model.Forward(inputs.Select(x => x.Input).ToList(), cache, allPositions: observer is not null);
            var next = new List<(int, SequenceInput)>();
            for (int row = 0; row < inputs.Count; row++)
            {
                (int i, SequenceInput input) = inputs[row];
                Tensor last;
                if (logits.dim() == 3)
                {
                    int count = input.Tokens.Count;
                    int start = cache.Length(slots[i]) - count;
                    for (int j = 0; j < count; j++) observer!(i, start + j, logits[row, j]);
                    last = logits[row, count - 1];
                }
                else
                {
                    last = logits[row];
                }
                int token = samplers[i].Sample(last, histories[i]);
                GenerationRequest request = requests[i];
                if (request.StopTokenIds?.Contains(token) == true)
                {
                    finish[i] = "stop";
                    continue;
                }
                outputs[i].Add(token);
                histories[i].Add(token);
                if (outputs[i].Count >= request.MaxTokens || cache.Length(slots[i]) >= cache.Capacity)
                {
                    finish[i] = "length";
                    continue;
                }
                next.Add((i, new SequenceInput(slots[i], [token])));
            }
            inputs = next;
        }
        return Enumerable.Range(0, n).Select(i => new GenerationResult(outputs[i], finish[i] ?? "length")).ToArray();
    }
}
