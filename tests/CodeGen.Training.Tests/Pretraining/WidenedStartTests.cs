using System.Text.Json;
using CodeGen.Model;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using CodeGen.Training.Data;
using CodeGen.Training.Pretraining;
using CodeGen.Training.Tests.Data;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Pretraining;

public sealed class WidenedStartTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-widen-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static ModelConfig Config(int intermediate, double theta = 10000) => new()
    {
        ModelType = "llama",
        VocabSize = 1024,
        HiddenSize = 64,
        IntermediateSize = intermediate,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 16,
        MaxPositionEmbeddings = 64,
        RmsNormEps = 1e-5,
        RopeTheta = theta,
        TieWordEmbeddings = true,
        TorchDtype = "float32",
    };

    private string SaveSource()
    {
        string directory = Path.Combine(_root, "source");
        using var source = new CausalLM(Config(96), new RandomWeightSource(7, float32, CPU, std: 0.1), float32, CPU);
        source.Save(directory);
        return directory;
    }

    [Fact]
    public void Load_WiderSwiGlu_SameLogitsAsSourceAndNewUnitsGetGradients()
    {
        string sourceDirectory = SaveSource();
        using var source = CausalLM.Load(sourceDirectory, float32, CPU);
        using var wide = new CausalLM(Config(256), new RandomWeightSource(9, float32, CPU, std: 0.1), float32, CPU);
        WidenedStart.Load(wide, sourceDirectory);

        using Tensor ids = randint(0, 1024, [2, 20], generator: new Generator(3));
        using (no_grad())
        {
            using Tensor expected = source.Forward(ids), actual = wide.Forward(ids);
            Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-5), $"max difference {(expected - actual).abs().max().item<float>()}");
        }

        // The 160 new units: gate/up rows random (not zero), down_proj columns zero, and gradients reach them.
        var named = wide.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.Equal(0f, named["model.layers.0.mlp.down_proj.weight"].narrow(1, 96, 160).abs().sum().item<float>());
        Assert.True(named["model.layers.0.mlp.gate_proj.weight"].narrow(0, 96, 160).abs().sum().item<float>() > 1f);
        wide.SetRequiresGrad(true);
        using Tensor loss = Pretrainer.Loss(wide, ids);
        loss.backward();
        Assert.True(named["model.layers.0.mlp.down_proj.weight"].grad!.narrow(1, 96, 160).abs().sum().item<float>() > 0f, "new down_proj columns get no gradient");
    }

    [Fact]
    public void Load_OtherWidth_ThrowsNamingBothShapes()
    {
        string sourceDirectory = SaveSource();
        using var other = new CausalLM(Config(64), new RandomWeightSource(9, float32, CPU), float32, CPU);

        ArgumentException exception = Assert.Throws<ArgumentException>(() => WidenedStart.Load(other, sourceDirectory));

        Assert.Contains("intermediate 96) does not fit the run", exception.Message, StringComparison.Ordinal);
        Assert.Contains("intermediate 64): only the SwiGLU may grow", exception.Message, StringComparison.Ordinal);
    }

    private string MakeShards()
    {
        string corpus = Path.Combine(_root, "corpus.jsonl");
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        File.WriteAllLines(corpus, Enumerable.Range(1, 20).Select(seed =>
            JsonSerializer.Serialize(new CorpusDocument($"f{seed}.py", "python", "test", "MIT", "", SampleCode.Generate(seed)), json)));
        string shards = Path.Combine(_root, "shards");
        ShardWriter.Write(CorpusJsonl.Read(corpus), Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"),
            new ShardWriter.Options(SeqLen: 48, FimRate: 0, FimSpmRate: 0, ValidationFraction: 0.2, Seed: 3), shards);
        return shards;
    }

    [Fact]
    public void PositionLoss_ShortAndLong_MatchLossOfTruncatedSequencesAndAverageToAll()
    {
        string shards = MakeShards();
        using ShardSet data = ShardSet.Open(shards);
        using var model = new CausalLM(Config(96), new RandomWeightSource(7, float32, CPU, std: 0.1), float32, CPU);
        long[] sequences = [.. data.Validation.Take(3)];

        Pretrainer.ValidationResult result = Pretrainer.PositionLoss(model, data, sequences, batchSize: 2, split: 16);

        var ids = new long[sequences.Length * 49];
        for (int row = 0; row < sequences.Length; row++) data.Read(sequences[row], ids.AsSpan(row * 49, 49));
        using Tensor batch = tensor(ids, [sequences.Length, 49], int64);
        using var noGrad = no_grad();
        using Tensor shortLoss = Pretrainer.Loss(model, batch.narrow(1, 0, 17)), allLoss = Pretrainer.Loss(model, batch);
        Assert.Equal(shortLoss.item<float>(), result.Short, 4);
        Assert.Equal(allLoss.item<float>(), result.Loss, 4);
        Assert.Equal(result.Loss, (16 * result.Short + 32 * result.Long!.Value) / 48, 6);
        Assert.Null(Pretrainer.PositionLoss(model, data, sequences, batchSize: 2, split: 0).Long);
    }

    [Fact]
    public void ValidateCommand_SavedModel_PrintsThePositionLosses()
    {
        string shards = MakeShards();
        string directory = Path.Combine(_root, "model");
        using (var model = new CausalLM(Config(96), new RandomWeightSource(7, float32, CPU, std: 0.1), float32, CPU)) model.Save(directory);
        using ShardSet data = ShardSet.Open(shards);
        using var loaded = CausalLM.Load(directory, float32, CPU);
        Pretrainer.ValidationResult expected = Pretrainer.PositionLoss(loaded, data, [.. data.Validation.Take(3)], batchSize: 4, split: 16);

        var root = new System.CommandLine.RootCommand { CodeGen.Training.Commands.ValidateCommand.Create() };
        var output = new StringWriter();
        int exitCode = root.Parse(["validate", "--model", directory, "--data", shards, "--validation-sequences", "3", "--split", "16"])
            .Invoke(new System.CommandLine.InvocationConfiguration { Output = output });

        Assert.Equal(0, exitCode);
        Assert.Equal($"validation: 3 sequences of 48 tokens; cross-entropy {expected.Loss:F4} nats/token; positions 0-15 {expected.Short:F4}, 16-47 {expected.Long:F4}",
            output.ToString().Trim());
    }
}
