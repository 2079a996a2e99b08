using CodeGen.Model;
using CodeGen.Model.Tokenization;
using CodeGen.TestUtils;
using CodeGen.Training.Data;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Data;

public sealed class ModelPerplexityScorerTests : IDisposable
{
    private readonly string _model = TinyModels.SaveServable(Directory.CreateTempSubdirectory("codegen-ppl-").FullName);

    public void Dispose() => Directory.Delete(_model, recursive: true);

    [Fact]
    public void Score_EqualsMeanCrossEntropyComputedByHand()
    {
        using var model = CausalLM.Load(_model, float32, CPU);
        var tokenizer = BpeTokenizer.Load(Path.Combine(_model, "tokenizer.json"));
        const string text = "def add(a, b):\n    return a + b\n";
        double score = new ModelPerplexityScorer(model, tokenizer).Score(text);

        IReadOnlyList<int> ids = tokenizer.Encode(text);
        using var _ = no_grad();
        using Tensor logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count], int64));
        double total = 0;
        for (int t = 0; t < ids.Count - 1; t++)
            total -= logits[0, t].log_softmax(0)[ids[t + 1]].item<float>();
        Assert.Equal(total / (ids.Count - 1), score, 4);
        Assert.Equal(0, new ModelPerplexityScorer(model, tokenizer).Score("a"));
    }
}
