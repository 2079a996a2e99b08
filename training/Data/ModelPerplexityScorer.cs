using CodeGen.Model;
using CodeGen.Model.Tokenization;
using static TorchSharp.torch;

namespace CodeGen.Training.Data;

/// <summary>
/// Scores a document's mean next-token negative log-likelihood (nats) under a reference model, over its first
/// <c>maxTokens</c> tokens: the scorer the perplexity filter uses once a model exists.
/// </summary>
internal sealed class ModelPerplexityScorer(CausalLM model, BpeTokenizer tokenizer, int maxTokens = 512)
{
    public double Score(string text)
    {
        IReadOnlyList<int> ids = tokenizer.Encode(text, parseSpecialTokens: false);
        int count = Math.Min(ids.Count, Math.Min(maxTokens, model.Config.MaxPositionEmbeddings));
        if (count < 2) return 0;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor batch = tensor(ids.Take(count).Select(i => (long)i).ToArray(), [1, count], int64);
        Tensor logits = model.Forward(batch.narrow(1, 0, count - 1)); // (1, T-1, V)
        Tensor loss = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), batch.narrow(1, 1, count - 1).reshape(-1));
        return loss.item<float>();
    }
}
