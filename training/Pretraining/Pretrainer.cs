using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Tokenization;
using CodeGen.Model.Weights;
using CodeGen.Training.Checkpoints;
using CodeGen.Training.Data;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace CodeGen.Training.Pretraining;

/// <summary>
/// The pretraining loop: a Llama model from seeded random weights, next-token cross-entropy on packed
/// shards, AdamW with warmup + cosine, gradient accumulation and clipping, validation loss every N steps,
/// metrics.jsonl, atomic checkpoints and exact resume (data order is a function of the step, so a
/// resumed run sees the same batches as an uninterrupted one).
/// </summary>
internal sealed class Pretrainer
{
    private readonly PretrainOptions _options;
    private readonly TextWriter _log;
    private readonly Action<int, double, double>? _progress;

    public Pretrainer(PretrainOptions options, TextWriter log, Action<int, double, double>? progress = null)
    {
        _options = options;
        _log = log;
        _progress = progress;
    }

    public static ModelConfig ModelConfigFor(PretrainOptions o, int vocabSize, int context, int? endOfText) => new()
    {
        ModelType = "llama",
        VocabSize = vocabSize,
        HiddenSize = o.Hidden,
        IntermediateSize = o.Intermediate,
        NumHiddenLayers = o.Layers,
        NumAttentionHeads = o.Heads,
        NumKeyValueHeads = o.KvHeads,
        HeadDim = o.Hidden / o.Heads,
        MaxPositionEmbeddings = context,
        RmsNormEps = 1e-5,
        RopeTheta = o.RopeTheta,
        TieWordEmbeddings = true,
        TorchDtype = "float32",
        EosTokenIds = endOfText is int eos ? [eos] : [],
    };

    /// <summary>Trains (resuming from the latest checkpoint when asked) and returns the last training loss.</summary>
    public double Run(bool resume)
    {
        PretrainOptions o = _options;
        if (o.Threads > 0) set_num_threads(o.Threads);
        using ShardSet data = ShardSet.Open(o.Data);
        if (data.Train.Count == 0) throw new InvalidDataException($"{o.Data} has no training sequences");
        int seqLen = data.Index.SeqLen;
        int? endOfText = BpeTokenizer.Load(Path.Combine(o.Data, "tokenizer.json")).EndOfTextId;
        ModelConfig config = ModelConfigFor(o, data.Index.VocabSize, seqLen, endOfText);
        Directory.CreateDirectory(o.Output);
        var store = new CheckpointStore(o.Output);
        store.RemoveIncomplete();

        using var model = new CausalLM(config, new RandomWeightSource(o.Seed, float32, CPU, std: 0.02), float32, CPU);
        model.SetRequiresGrad(true);
        using var optimizer = new AdamW(model.named_parameters().Select(p => (p.name, p.parameter)), weightDecay: o.WeightDecay);
        var schedule = new LearningRateSchedule(o.LearningRate, o.MinLearningRate, o.Warmup, o.Steps);

        using CausalLM? teacher = o.Teacher is string teacherDir ? LoadTeacher(teacherDir, config) : null;

        if (!resume || store.Latest() is null)
        {
            if (o.InitFrom is string initFrom)
            {
                WidenedStart.Load(model, initFrom);
                _log.WriteLine($"initialised from {initFrom}");
            }
        }

        int startStep = 0;
        long tokensSeen = 0;
        double elapsedBefore = 0;
        string metricsPath = Path.Combine(o.Output, "metrics.jsonl");
        string? latest = resume ? store.Latest() : null;
        if (latest is not null)
        {
            TrainingState state = CheckpointStore.ReadState(latest);
            if (state.ManifestSha256 != data.Index.ManifestSha256)
                throw new InvalidDataException($"{latest} was trained on data manifest {state.ManifestSha256}, but {o.Data} has {data.Index.ManifestSha256}");
            LoadCheckpoint(latest, model, optimizer, state.Step);
            startStep = state.Step;
            tokensSeen = state.TokensSeen;
            elapsedBefore = state.ElapsedSeconds;
            MetricsLog.Truncate(metricsPath, startStep);
            _log.WriteLine($"resumed from {latest} at step {startStep}");
        }
        else if (File.Exists(metricsPath))
        {
            File.Delete(metricsPath);
        }
        WriteRunInfo(config, data);

        int stopAt = o.StopAfter is int stopAfter ? Math.Min(o.Steps, startStep + stopAfter) : o.Steps; // (startStep + int.MaxValue would overflow)
        var watch = Stopwatch.StartNew();
        double lastLoss = double.NaN;
        long tokensPerStep = (long)o.BatchSize * o.Accumulation * seqLen;
        var batchIds = new long[o.BatchSize * (seqLen + 1)];
        var permutations = new Dictionary<long, long[]>();
        for (int step = startStep; step < stopAt; step++)
        {
            var stepWatch = Stopwatch.StartNew();
            double lr = schedule.At(step);
            optimizer.ZeroGrad();
            double lossSum = 0;
            for (int micro = 0; micro < o.Accumulation; micro++)
            {
                using var scope = NewDisposeScope();
                long first = ((long)step * o.Accumulation + micro) * o.BatchSize;
                for (int row = 0; row < o.BatchSize; row++)
                    data.Read(TrainIndex(data, first + row, permutations), batchIds.AsSpan(row * (seqLen + 1), seqLen + 1));
                Tensor batch = tensor(batchIds, [o.BatchSize, seqLen + 1], int64);
                Tensor loss = teacher is null ? Loss(model, batch) : DistillationLoss(model, teacher, batch, o.DistillWeight, o.DistillTemperature);
                loss.div(o.Accumulation).backward();
                lossSum += loss.item<float>();
            }
            nn.utils.clip_grad_norm_(optimizer.Parameters, o.ClipNorm);
            optimizer.Step(lr);
            tokensSeen += tokensPerStep;
            lastLoss = lossSum / o.Accumulation;
            double tokensPerSecond = tokensPerStep / stepWatch.Elapsed.TotalSeconds;
            int done = step + 1;
            ValidationResult? validation = done % o.EvalEvery == 0 || done == o.Steps ? Validate(model, data) : null;
            AppendMetrics(metricsPath, done, lastLoss, lr, tokensPerSecond, tokensSeen, validation, elapsedBefore + watch.Elapsed.TotalSeconds);
            _progress?.Invoke(done, lastLoss, tokensPerSecond);
            if (done % o.CheckpointEvery == 0 || done == stopAt)
            {
                var state = new TrainingState(done, tokensSeen, elapsedBefore + watch.Elapsed.TotalSeconds, data.Index.ManifestSha256, o);
                store.Save(done, model.NamedWeights(), optimizer.State(), state);
            }
            if (done % Math.Max(1, o.EvalEvery / 4) == 0 || validation is not null)
            {
                _log.WriteLine($"step {done}/{o.Steps} loss {lastLoss:F4} lr {lr:E2} tok/s {tokensPerSecond:F0}" + (validation is ValidationResult v ? $" val_loss {v.Loss:F4}" + (v.Long is double l ? $" (positions <{o.ValidationSplit} {v.Short:F4}, >= {l:F4})" : "") : ""));
            }
        }
        if (stopAt == o.Steps) Export(model, config, data);
        return lastLoss;
    }

    /// <summary>Mean next-token cross-entropy of (B, T+1) ids.</summary>
    public static Tensor Loss(CausalLM model, Tensor batch)
    {
        long t = batch.shape[1] - 1;
        Tensor inputs = batch.narrow(1, 0, t);
        Tensor targets = batch.narrow(1, 1, t);
        Tensor logits = model.Forward(inputs); // (B, T, V)
        return nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), targets.reshape(-1));
    }

    /// <summary>
    /// The distillation objective of (B, T+1) ids: weight · τ² · KL(teacher_τ ‖ student_τ) + (1 − weight) · cross-entropy,
    /// the KL summed over the vocabulary and averaged over positions (τ = temperature; the teacher runs without gradients).
    /// </summary>
    public static Tensor DistillationLoss(CausalLM student, CausalLM teacher, Tensor batch, double weight, double temperature)
    {
        long t = batch.shape[1] - 1;
        Tensor inputs = batch.narrow(1, 0, t);
        Tensor logits = student.Forward(inputs); // (B, T, V)
        long vocab = logits.shape[2];
        Tensor teacherLogProbs;
        using (no_grad())
        {
            using Tensor teacherLogits = teacher.Forward(inputs);
            teacherLogProbs = teacherLogits.div(temperature).log_softmax(-1).reshape(-1, vocab);
        }
        Tensor studentLogProbs = logits.div(temperature).log_softmax(-1).reshape(-1, vocab);
        // KL(p ‖ q) = Σ p (log p − log q) per position, averaged over the positions.
        Tensor kl = teacherLogProbs.exp().mul(teacherLogProbs.sub(studentLogProbs)).sum().div(studentLogProbs.shape[0]);
        Tensor loss = kl.mul(weight * temperature * temperature);
        if (weight < 1)
        {
            Tensor ce = nn.functional.cross_entropy(logits.reshape(-1, vocab), batch.narrow(1, 1, t).reshape(-1));
            loss = loss.add(ce, alpha: 1 - weight);
        }
        return loss;
    }

    private static CausalLM LoadTeacher(string directory, ModelConfig student)
    {
        var teacher = CausalLM.Load(directory, float32, CPU);
        if (teacher.Config.VocabSize != student.VocabSize)
        {
            teacher.Dispose();
            throw new ArgumentException($"--teacher {directory} has a vocabulary of {teacher.Config.VocabSize} tokens; the data has {student.VocabSize}");
        }
        teacher.eval();
        return teacher;
    }

    /// <summary>Validation loss: over all positions, and below / from a split position.</summary>
    public sealed record ValidationResult(double Loss, double Short, double? Long);

    private ValidationResult Validate(CausalLM model, ShardSet data)
    {
        if (data.Validation.Count == 0) return new ValidationResult(double.NaN, double.NaN, null);
        int rows = (int)Math.Min(data.Validation.Count, (long)_options.EvalBatches * _options.BatchSize);
        return PositionLoss(model, data, [.. data.Validation.Take(rows)], _options.BatchSize, _options.ValidationSplit);
    }

    /// <summary>
    /// Mean next-token cross-entropy of the given sequences over all positions, over positions
    /// [0, split) and over [split, T) (null when the sequences are not longer than split, or split is 0).
    /// Position p is the prediction of token p + 1 from tokens 0..p.
    /// </summary>
    public static ValidationResult PositionLoss(CausalLM model, ShardSet data, IReadOnlyList<long> sequences, int batchSize, int split)
    {
        using var noGrad = no_grad();
        int seqLen = data.Index.SeqLen;
        int cut = split > 0 && split < seqLen ? split : seqLen;
        double shortSum = 0, longSum = 0;
        long shortCount = 0, longCount = 0;
        var ids = new long[batchSize * (seqLen + 1)];
        for (int start = 0; start < sequences.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(batchSize, sequences.Count - start);
            for (int row = 0; row < count; row++) data.Read(sequences[start + row], ids.AsSpan(row * (seqLen + 1), seqLen + 1));
            Tensor batch = tensor(ids, [batchSize, seqLen + 1], int64).narrow(0, 0, count);
            Tensor logits = model.Forward(batch.narrow(1, 0, seqLen)); // (B, T, V)
            Tensor losses = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), batch.narrow(1, 1, seqLen).reshape(-1), reduction: nn.Reduction.None)
                .reshape(count, seqLen); // (B, T)
            shortSum += losses.narrow(1, 0, cut).sum().item<float>();
            shortCount += (long)count * cut;
            if (cut < seqLen)
            {
                longSum += losses.narrow(1, cut, seqLen - cut).sum().item<float>();
                longCount += (long)count * (seqLen - cut);
            }
        }
        double all = (shortSum + longSum) / (shortCount + longCount);
        return new ValidationResult(all, shortSum / shortCount, longCount > 0 ? longSum / longCount : null);
    }

    // Sample p of the endless training stream: epoch p / N in a seeded permutation of the training sequences.
    private long TrainIndex(ShardSet data, long position, Dictionary<long, long[]> permutations)
    {
        int n = data.Train.Count;
        long epoch = position / n;
        if (!permutations.TryGetValue(epoch, out long[]? order))
        {
            order = [.. data.Train];
            new Random(unchecked(_options.Seed * 1_000_003 + (int)epoch)).Shuffle(order); // not HashCode: it is salted per process
            permutations.Clear();
            permutations[epoch] = order;
        }
        return order[position % n];
    }

    private static void LoadCheckpoint(string checkpoint, CausalLM model, AdamW optimizer, int step)
    {
        using var weights = SafeTensorsFile.Open(Path.Combine(checkpoint, "weights.safetensors"));
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in model.named_parameters())
            {
                using Tensor saved = weights.Load(name);
                parameter.copy_(saved);
            }
        }
        using var state = SafeTensorsFile.Open(Path.Combine(checkpoint, "optimizer.safetensors"));
        optimizer.Load(name => state.Load(name), step);
    }

    private static void AppendMetrics(string path, int step, double loss, double lr, double tokensPerSecond, long tokens, ValidationResult? validation, double elapsed)
    {
        JsonObject line = MetricsLog.Line(step, loss, lr, tokensPerSecond, tokens, elapsed);
        if (validation is ValidationResult v)
        {
            line["val_loss"] = v.Loss;
            if (v.Long is double l)
            {
                line["val_loss_short"] = v.Short;
                line["val_loss_long"] = l;
            }
        }
        MetricsLog.Append(path, line);
    }

    private void WriteRunInfo(ModelConfig config, ShardSet data)
    {
        var info = new JsonObject
        {
            ["manifest_sha256"] = data.Index.ManifestSha256,
            ["tokenizer_sha256"] = data.Index.TokenizerSha256,
            ["data"] = Path.GetFullPath(_options.Data),
            ["options"] = JsonSerializer.SerializeToNode(_options, TrainingState.Json),
            ["model_config"] = JsonNode.Parse(config.ToJson()),
        };
        File.WriteAllText(Path.Combine(_options.Output, "run.json"), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }

    private void Export(CausalLM model, ModelConfig config, ShardSet data)
    {
        string directory = Path.Combine(_options.Output, "model");
        Directory.CreateDirectory(directory);
        model.Save(directory);
        File.Copy(Path.Combine(data.Directory, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"), overwrite: true);
        CheckpointExporter.WriteGenerationConfig(directory, config);
        _log.WriteLine($"exported {directory}");
    }
}
