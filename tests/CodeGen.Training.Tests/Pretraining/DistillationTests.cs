using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Weights;
using CodeGen.TestUtils;
using CodeGen.Training.Data;
using CodeGen.Training.Pretraining;
using CodeGen.Training.Tests.Data;
using static TorchSharp.torch;

namespace CodeGen.Training.Tests.Pretraining;

public sealed class DistillationTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-distil-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    // Shards of generated Python at 32 tokens in the fixture tokenizer's vocabulary.
    private string MakeShards(int documents)
    {
        string corpus = Path.Combine(_root, "corpus.jsonl");
        var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
        File.WriteAllLines(corpus, Enumerable.Range(1, documents).Select(seed =>
            JsonSerializer.Serialize(new CorpusDocument($"f{seed}.py", "python", "test", "MIT", "", SampleCode.Generate(seed)), json)));
        string shards = Path.Combine(_root, "shards");
        ShardWriter.Write(CorpusJsonl.Read(corpus), Path.Combine(Fixtures.SmallTokenizer, "tokenizer.json"),
            new ShardWriter.Options(SeqLen: 32, FimRate: 0, FimSpmRate: 0, ValidationFraction: 0.1, Seed: 3), shards);
        return shards;
    }

    private static ModelConfig Config(int vocab, int hidden, int layers) => new()
    {
        ModelType = "llama",
        VocabSize = vocab,
        HiddenSize = hidden,
        IntermediateSize = hidden * 2,
        NumHiddenLayers = layers,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = hidden / 4,
        MaxPositionEmbeddings = 64,
        RmsNormEps = 1e-5,
        RopeTheta = 10000,
        TieWordEmbeddings = true,
        TorchDtype = "float32",
    };

    private static double[] LogSoftmax(float[] logits, int offset, int vocab, double temperature)
    {
        double max = double.NegativeInfinity;
        for (int v = 0; v < vocab; v++) max = Math.Max(max, logits[offset + v] / temperature);
        double sum = 0;
        for (int v = 0; v < vocab; v++) sum += Math.Exp(logits[offset + v] / temperature - max);
        return Enumerable.Range(0, vocab).Select(v => logits[offset + v] / temperature - max - Math.Log(sum)).ToArray();
    }

    [Theory]
    [InlineData(1.0, 1.0)]
    [InlineData(0.7, 2.0)]
    public void DistillationLoss_TwoModels_EqualsHandComputedKlAndCrossEntropyMix(double weight, double temperature)
    {
        const int vocab = 50;
        using var teacher = new CausalLM(Config(vocab, 32, 2), new RandomWeightSource(3, float32, CPU, std: 0.2), float32, CPU);
        using var student = new CausalLM(Config(vocab, 16, 1), new RandomWeightSource(4, float32, CPU, std: 0.2), float32, CPU);
        long[] ids = [1, 7, 3, 9, 22, 41, 5, 0, 13, 2, 8, 30];
        using Tensor batch = tensor(ids, [2, 6], int64);

        double actual;
        float[] teacherLogits, studentLogits;
        using (no_grad())
        {
            using Tensor loss = Pretrainer.DistillationLoss(student, teacher, batch, weight, temperature);
            actual = loss.item<float>();
            using Tensor inputs = batch.narrow(1, 0, 5);
            using Tensor t = teacher.Forward(inputs);
            using Tensor s = student.Forward(inputs);
            teacherLogits = t.data<float>().ToArray();
            studentLogits = s.data<float>().ToArray();
        }

        double kl = 0, ce = 0;
        int positions = 2 * 5;
        for (int position = 0; position < positions; position++)
        {
            double[] p = LogSoftmax(teacherLogits, position * vocab, vocab, temperature);
            double[] q = LogSoftmax(studentLogits, position * vocab, vocab, temperature);
            for (int v = 0; v < vocab; v++) kl += Math.Exp(p[v]) * (p[v] - q[v]);
            long target = ids[(position / 5) * 6 + position % 5 + 1];
            ce -= LogSoftmax(studentLogits, position * vocab, vocab, 1.0)[target];
        }
        double expected = weight * temperature * temperature * kl / positions + (1 - weight) * ce / positions;
        Assert.Equal(expected, actual, 4);
        Assert.True(kl > 0.01, "two different random models should disagree");
    }

    [Fact]
    public void DistillationLoss_StudentIsTheTeacher_IsZero()
    {
        using var model = new CausalLM(Config(50, 32, 2), new RandomWeightSource(3, float32, CPU, std: 0.2), float32, CPU);
        using Tensor batch = tensor(new long[] { 1, 7, 3, 9, 22, 41, 5 }, [1, 7], int64);
        using var noGrad = no_grad();
        using Tensor loss = Pretrainer.DistillationLoss(model, model, batch, 1.0, 1.0);
        Assert.Equal(0.0, loss.item<float>(), 5);
    }

    [Fact]
    public void Pretrain_WithTeacher_KlToTheTeacherFalls()
    {
        string shards = MakeShards(documents: 20);
        int vocab;
        using (ShardSet data = ShardSet.Open(shards)) vocab = data.Index.VocabSize;
        string teacherDir = Path.Combine(_root, "teacher");
        // A teacher of the student's own shape: the student can match it exactly.
        using (var teacher = new CausalLM(Config(vocab, 32, 1), new RandomWeightSource(11, float32, CPU, std: 0.3), float32, CPU)) teacher.Save(teacherDir);

        string run = Path.Combine(_root, "run");
        var options = new PretrainOptions
        {
            Data = shards,
            Output = run,
            Hidden = 32,
            Layers = 1,
            Heads = 4,
            KvHeads = 2,
            Intermediate = 64,
            Steps = 60,
            LearningRate = 1e-2,
            MinLearningRate = 1e-3,
            BatchSize = 4,
            Warmup = 4,
            EvalEvery = 60,
            EvalBatches = 1,
            CheckpointEvery = 60,
            Threads = 1,
            Teacher = teacherDir,
        };
        new Pretrainer(options, TextWriter.Null).Run(resume: false);

        double[] losses = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!["loss"]!.GetValue<double>()).ToArray();
        Assert.Equal(60, losses.Length);
        Assert.True(losses.TakeLast(5).Average() < 0.85 * losses.Take(5).Average(), $"KL first steps {losses.Take(5).Average():F3}, last {losses.TakeLast(5).Average():F3}");
        Assert.True(File.Exists(Path.Combine(run, "model", "config.json")));
    }

    [Fact]
    public void Teacher_OtherVocabulary_ThrowsNamingIt()
    {
        string shards = MakeShards(documents: 5);
        string teacherDir = Path.Combine(_root, "teacher");
        using (var teacher = new CausalLM(Config(77, 32, 1), new RandomWeightSource(11, float32, CPU, std: 0.3), float32, CPU)) teacher.Save(teacherDir);
        var options = new PretrainOptions { Data = shards, Output = Path.Combine(_root, "run"), Hidden = 32, Layers = 1, Heads = 4, KvHeads = 2, Intermediate = 64, Steps = 2, Teacher = teacherDir };
        var e = Assert.Throws<ArgumentException>(() => new Pretrainer(options, TextWriter.Null).Run(resume: false));
        Assert.Contains(teacherDir, e.Message);
        Assert.Contains("77", e.Message);
    }
}
