using CodeGen.Model;
using static TorchSharp.torch;

namespace CodeGen.TestUtils;

/// <summary>
/// Greedy decoding the slow, obvious way: a full causal forward over the whole sequence for every token, no KV
/// cache, no engine. The engine's output is checked against it.
/// </summary>
public static class ReferenceDecoder
{
    /// <summary>Up to <paramref name="maxTokens"/> argmax tokens after <paramref name="prompt"/>, ending before a token of <paramref name="stopIds"/>.</summary>
    public static List<int> Greedy(CausalLM model, IReadOnlyList<int> prompt, int maxTokens, IReadOnlyList<int>? stopIds = null)
    {
        using var noGrad = no_grad();
        var ids = new List<int>(prompt);
        var generated = new List<int>();
        while (generated.Count < maxTokens && ids.Count < model.Config.MaxPositionEmbeddings)
        {
            using Tensor input = tensor(ids.Select(t => (long)t).ToArray(), [1, ids.Count], int64);
            using Tensor logits = model.Forward(input);
            int next = (int)logits[0, -1].argmax().item<long>();
            if (stopIds?.Contains(next) == true) break;
            ids.Add(next);
            generated.Add(next);
        }
        return generated;
    }

    /// <summary>The last position's float32 logits of a full forward over <paramref name="ids"/>.</summary>
    public static float[] LastLogits(CausalLM model, IReadOnlyList<int> ids)
    {
        using var noGrad = no_grad();
        using Tensor input = tensor(ids.Select(t => (long)t).ToArray(), [1, ids.Count], int64);
        using Tensor logits = model.Forward(input);
        return logits[0, -1].data<float>().ToArray();
    }
}
