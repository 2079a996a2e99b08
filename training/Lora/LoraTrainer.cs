using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using CodeGen.Model;
using CodeGen.Model.Layers;
using CodeGen.Model.Lora;
using CodeGen.Model.Tokenization;
using CodeGen.Model.Weights;
using CodeGen.Training.Checkpoints;
using CodeGen.Training.Distributed;
using CodeGen.Training.Pretraining;
using TorchSharp.Modules;
using static TorchSharp.torch;
using AdamW = CodeGen.Training.Pretraining.AdamW;
using Linear = CodeGen.Model.Layers.Linear;

namespace CodeGen.Training.Lora;

/// <summary>
/// LoRA fine-tuning: the base model frozen (float32 or bfloat16), float32 A (r, in) and B (out, r) factors on the
/// target linear modules (A Kaiming-uniform as PEFT initialises it, B zero, so training starts at the base model),
/// AdamW over the factors only with warmup + cosine, gradient accumulation and clipping, validation loss on held-out
/// data, metrics.jsonl, atomic checkpoints with exact resume (the data order, dropout masks and schedule are functions
/// of the step), and the adapter written in PEFT format.
/// Data-parallel over <see cref="IDataParallel"/>: a global micro-batch of BatchSize sequences is split into equal
/// slices, worker r taking slice r; each worker's loss is its share of the global mean (its sum of token losses times
/// N over the step's target tokens, which every worker counts from the data), so after the one averaging call per
/// step over one flat buffer of every gradient (and the loss) each worker holds the gradient of the global mean loss,
/// as one worker with the whole batch would. A checksum of the adapter weights is compared every ChecksumEvery steps.
/// Only the root worker writes.
/// </summary>
internal sealed class LoraTrainer
{
    private const string MetricsFileName = "metrics.jsonl";
    private readonly LoraOptions _options;
    private readonly IDataParallel _workers;
    private readonly TextWriter _log;
    private readonly Action<int, double, double>? _progress;

    public LoraTrainer(LoraOptions options, IDataParallel workers, TextWriter log, Action<int, double, double>? progress = null)
    {
        options.Validate(workers.Size);
        _options = options;
        _workers = workers;
        _log = workers.IsRoot ? log : TextWriter.Null;
        _progress = workers.IsRoot ? progress : null;
    }

    /// <summary>The result of a run: the last step's training loss and the held-out loss before and after.</summary>
    public sealed record Result(double LastLoss, double? InitialValidationLoss, double? FinalValidationLoss, IReadOnlyList<double> Losses);

    /// <summary>Loads the base model and data from the options, trains, and (on the root, at the last step) writes the adapter.</summary>
    public Result Run(bool resume)
    {
        LoraOptions o = _options;
        if (o.Threads > 0) set_num_threads(o.Threads);
        if (!File.Exists(Path.Combine(o.Base, "config.json"))) throw new ArgumentException($"--base {o.Base}: not a model directory (no config.json)");
        string tokenizerPath = Path.Combine(o.Base, "tokenizer.json");
        if (!File.Exists(tokenizerPath)) throw new ArgumentException($"--base {o.Base}: no tokenizer.json to tokenize the data with");
        BpeTokenizer tokenizer = BpeTokenizer.Load(tokenizerPath);
        LoraData data = LoraData.Load(o, tokenizer, line => _log.WriteLine(line));
        _log.WriteLine(data.Description);
        Device device = cuda.is_available() ? new Device(TorchSharp.DeviceType.CUDA, _workers.Rank % cuda.device_count()) : CPU;
        using CausalLM model = CausalLM.Load(o.Base, CausalLM.ParseDType(o.BaseDType), device);
        return Run(model, data, resume);
    }

    /// <summary>Trains adapters attached to <paramref name="model"/> (frozen here) on <paramref name="data"/>.</summary>
    public Result Run(CausalLM model, LoraData data, bool resume)
    {
        LoraOptions o = _options;
        model.SetRequiresGrad(false);
        using var dropoutRandom = new Generator((ulong)o.Seed, model.Device);
        IReadOnlyList<(string Name, Parameter Parameter)> adapter = Attach(model, dropoutRandom);
        long adapterParameters = adapter.Sum(p => p.Parameter.numel());
        _log.WriteLine($"LoRA r={o.Rank} alpha={o.Alpha}{(o.RsLora ? " (rsLoRA)" : "")} on {adapter.Count / 2} modules: {adapterParameters:N0} trainable parameters; "
            + $"{_workers.Size} worker(s), {o.BatchSize / _workers.Size} sequences each per micro-batch");
        using var optimizer = new AdamW(adapter, beta1: 0.9, beta2: 0.999, weightDecay: o.WeightDecay);
        var schedule = new LearningRateSchedule(o.LearningRate, o.LearningRate * o.MinLearningRateRatio, o.Warmup, o.Steps);

        var store = new CheckpointStore(o.Output);
        string metricsPath = Path.Combine(o.Output, MetricsFileName);
        if (_workers.IsRoot)
        {
            Directory.CreateDirectory(o.Output);
            store.RemoveIncomplete();
        }
        _workers.Barrier();

        int startStep = 0;
        long tokensSeen = 0;
        double elapsedBefore = 0;
        double? initialValidation = null;
        string? latest = resume ? store.Latest() : null;
        if (latest is not null)
        {
            LoraState state = CheckpointStore.ReadState<LoraState>(latest);
            CheckResumable(state, data, latest);
            LoadCheckpoint(latest, adapter, optimizer, state.Step);
            (startStep, tokensSeen, elapsedBefore, initialValidation) = (state.Step, state.TokensSeen, state.ElapsedSeconds, state.InitialValidationLoss);
            if (_workers.IsRoot) MetricsLog.Truncate(metricsPath, startStep);
            _log.WriteLine($"resumed from {latest} at step {startStep}");
        }
        else
        {
            if (_workers.IsRoot && File.Exists(metricsPath)) File.Delete(metricsPath);
            initialValidation = Validate(model, data);
            if (initialValidation is double v) _log.WriteLine($"held-out loss before fine-tuning: {v:F4} ({EvalCount(data)} of {data.Validation.Count} held-out sequences)");
        }
        _workers.Barrier();

        int stopAt = o.StopAfter is int stopAfter ? Math.Min(o.Steps, startStep + stopAfter) : o.Steps;
        int logEvery = Math.Max(1, o.Steps / 20);
        var watch = Stopwatch.StartNew();
        var losses = new List<double>();
        double? finalValidation = null;
        float[] buffer = new float[adapterParameters + 1];
        var permutations = new Dictionary<long, long[]>();
        int perWorker = o.BatchSize / _workers.Size;
        model.train();
        for (int step = startStep; step < stopAt; step++)
        {
            var stepWatch = Stopwatch.StartNew();
            dropoutRandom.manual_seed(((long)o.Seed * 1_000_003 + step) * 131 + _workers.Rank); // dropout masks: a function of the step
            double lr = schedule.At(step);
            optimizer.ZeroGrad();

            // Every worker counts the whole step's target tokens, so each can scale its share of the global mean.
            var micro = new LoraExample[o.GradAccum][];
            long targets = 0, tokens = 0;
            for (int m = 0; m < o.GradAccum; m++)
            {
                micro[m] = new LoraExample[o.BatchSize];
                for (int row = 0; row < o.BatchSize; row++)
                {
                    LoraExample example = data.Train[(int)TrainIndex(data.Train.Count, ((long)step * o.GradAccum + m) * o.BatchSize + row, permutations)];
                    micro[m][row] = example;
                    targets += example.Targets;
                    tokens += example.Ids.Length - 1;
                }
            }
            if (targets == 0) throw new InvalidDataException($"step {step + 1}: the batch has no target tokens (every completion empty?)");

            double share = (double)_workers.Size / targets;
            double localLoss = 0;
            for (int m = 0; m < o.GradAccum; m++)
            {
                using var scope = NewDisposeScope();
                (Tensor ids, Tensor labels) = Batch(micro[m].AsSpan(_workers.Rank * perWorker, perWorker), model.Device);
                Tensor Loss(Tensor logits) => nn.functional.cross_entropy(
                    logits.reshape(-1, logits.shape[2]), labels.reshape(-1), ignore_index: -100, reduction: nn.Reduction.Sum).mul(share);
                Tensor value;
                if (o.GradientCheckpointing)
                {
                    value = model.BackwardWithCheckpoints(ids, Loss, dropoutRandom);
                }
                else
                {
                    value = Loss(model.Forward(ids));
                    value.backward();
                }
                localLoss += value.item<float>();
            }

            double loss = AverageGradients(adapter, buffer, localLoss);
            if (o.ClipNorm > 0) nn.utils.clip_grad_norm_(adapter.Select(p => p.Parameter), o.ClipNorm);
            optimizer.Step(lr);
            tokensSeen += tokens;
            losses.Add(loss);
            int done = step + 1;
            if (done % o.ChecksumEvery == 0 || done == stopAt) CheckWorkersAgree(adapter, done);

            double tokensPerSecond = tokens / stepWatch.Elapsed.TotalSeconds;
            double? validation = (o.EvalEvery > 0 && done % o.EvalEvery == 0) || done == o.Steps ? Validate(model, data) : null;
            if (done == o.Steps) finalValidation = validation;
            double elapsed = elapsedBefore + watch.Elapsed.TotalSeconds;
            if (_workers.IsRoot)
            {
                AppendMetrics(metricsPath, done, loss, lr, tokensPerSecond, tokensSeen, validation, elapsed);
                if (done % o.CheckpointEvery == 0 || done == stopAt)
                {
                    var state = new LoraState(done, tokensSeen, elapsed, data.Sha256, initialValidation, o);
                    store.Save(done, adapter.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)), optimizer.State(), state);
                }
            }
            _progress?.Invoke(done, loss, tokensPerSecond);
            if (done % logEvery == 0 || validation is not null || done == stopAt)
                _log.WriteLine($"step {done}/{o.Steps} loss {loss:F4} lr {lr:E2} tok/s {tokensPerSecond:F0}" + (validation is double val ? $" val_loss {val:F4}" : ""));
        }
        model.eval();

        if (stopAt == o.Steps && _workers.IsRoot)
        {
            PeftAdapter.Save(o.Output, AdapterConfig(), model);
            WriteRunInfo(data, initialValidation, finalValidation, adapterParameters);
            _log.WriteLine($"wrote the adapter to {o.Output}"
                + (initialValidation is double before && finalValidation is double after ? $" (held-out loss {before:F4} -> {after:F4})" : ""));
        }
        _workers.Barrier();
        return new Result(losses.Count > 0 ? losses[^1] : double.NaN, initialValidation, finalValidation, losses);
    }

    /// <summary>The adapter_config.json this run writes.</summary>
    public PeftAdapterConfig AdapterConfig() => new()
    {
        Rank = _options.Rank,
        Alpha = _options.Alpha,
        UseRsLora = _options.RsLora,
        Dropout = _options.Dropout,
        TargetModules = [.. _options.TargetModules],
        BaseModel = _options.Base,
    };

    // A and B on every linear module whose last name is a target; returns (name, parameter) pairs in module order.
    private List<(string Name, Parameter Parameter)> Attach(CausalLM model, Generator dropoutRandom)
    {
        LoraOptions o = _options;
        var targets = new HashSet<string>(o.TargetModules, StringComparer.Ordinal);
        // named_modules() also lists auto-registered property backing fields ("<SelfAttention>k__BackingField"): the checkpoint names only.
        var linears = model.named_modules()
            .Where(m => m.module is Linear && !m.name.Contains('<') && targets.Contains(m.name[(m.name.LastIndexOf('.') + 1)..]))
            .Select(m => (m.name, Linear: (Linear)m.module))
            .ToList();
        if (linears.Count == 0)
            throw new ArgumentException($"--target-modules {string.Join(",", o.TargetModules)} selects no linear module of {o.Base}");
        var unknown = targets.Where(t => !linears.Any(l => l.name.EndsWith("." + t, StringComparison.Ordinal))).ToList();
        if (unknown.Count > 0) throw new ArgumentException($"--target-modules: {string.Join(", ", unknown)} names no linear module of {o.Base}");

        using (no_grad())
        {
            for (int i = 0; i < linears.Count; i++)
            {
                (_, Linear linear) = linears[i];
                if (linear.HasLora) throw new InvalidOperationException($"{linears[i].name} already has a LoRA update attached");
                // PEFT: kaiming_uniform_(A, a=√5), i.e. U(-1/√in, 1/√in); B = 0.
                var random = new Random(unchecked(o.Seed * 7919 + i));
                float bound = (float)(1 / Math.Sqrt(linear.InFeatures));
                float[] values = new float[o.Rank * linear.InFeatures];
                for (int j = 0; j < values.Length; j++) values[j] = (float)(random.NextDouble() * 2 - 1) * bound;
                Tensor a = tensor(values, [o.Rank, linear.InFeatures], float32).to(model.Device);
                Tensor b = zeros([linear.OutFeatures, o.Rank], float32, model.Device);
                // Linear scales by alpha / r: passing scale · r gives alpha / √r under rsLoRA.
                linear.AttachLora(a, b, o.Scale * o.Rank, trainable: true, dropout: o.Dropout, dropoutRandom);
            }
        }
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        var adapter = new List<(string, Parameter)>();
        foreach ((string name, _) in linears)
        {
            adapter.Add((name + ".lora_A", parameters[name + ".lora_A"]));
            adapter.Add((name + ".lora_B", parameters[name + ".lora_B"]));
        }
        return adapter;
    }

    // (B, T) input ids and (B, T) labels: the next id where it is a target, -100 (ignored) elsewhere and in the padding.
    private static (Tensor Ids, Tensor Labels) Batch(ReadOnlySpan<LoraExample> rows, Device device)
    {
        int t = 1;
        foreach (LoraExample row in rows) t = Math.Max(t, row.Ids.Length - 1);
        var ids = new long[rows.Length * t];
        var labels = new long[rows.Length * t];
        Array.Fill(labels, -100);
        for (int r = 0; r < rows.Length; r++)
        {
            int[] example = rows[r].Ids;
            for (int p = 0; p < example.Length - 1; p++)
            {
                ids[r * t + p] = example[p];
                if (p + 1 >= rows[r].FirstTarget) labels[r * t + p] = example[p + 1];
            }
        }
        return (tensor(ids, [rows.Length, t], int64).to(device), tensor(labels, [rows.Length, t], int64).to(device));
    }

    // One collective per step: every gradient and this worker's loss share in one buffer, averaged, copied back.
    private double AverageGradients(IReadOnlyList<(string Name, Parameter Parameter)> adapter, float[] buffer, double localLoss)
    {
        long offset = 0;
        foreach ((string name, Parameter p) in adapter)
        {
            Tensor grad = p.grad ?? throw new InvalidOperationException($"{name} received no gradient");
            using Tensor cpu = grad.to(float32, CPU).contiguous();
            cpu.data<float>().CopyTo(buffer, (int)offset);
            offset += grad.numel();
        }
        buffer[offset] = (float)localLoss;
        _workers.AverageInPlace(buffer);
        offset = 0;
        using (no_grad())
        {
            foreach ((_, Parameter p) in adapter)
            {
                Tensor grad = p.grad!;
                using Tensor averaged = tensor(buffer.AsSpan((int)offset, (int)grad.numel()).ToArray(), grad.shape, float32);
                grad.copy_(averaged);
                offset += grad.numel();
            }
        }
        return buffer[offset];
    }

    private void CheckWorkersAgree(IReadOnlyList<(string Name, Parameter Parameter)> adapter, int step)
    {
        ulong checksum = Checksum(adapter.Select(p => p.Parameter));
        if (!_workers.AllEqual(checksum))
        {
            throw new InvalidOperationException(
                $"after step {step} the adapter weights differ between workers (rank {_workers.Rank} checksum {checksum:x16}): the workers are out of step");
        }
    }

    /// <summary>FNV-1a over the float32 bits of every tensor, in order.</summary>
    public static ulong Checksum(IEnumerable<Tensor> tensors)
    {
        ulong hash = 14695981039346656037UL;
        foreach (Tensor t in tensors)
        {
            using Tensor cpu = t.detach().to(float32, CPU).contiguous();
            foreach (float value in cpu.data<float>())
            {
                uint bits = BitConverter.SingleToUInt32Bits(value);
                for (int i = 0; i < 4; i++)
                {
                    hash ^= (bits >> (8 * i)) & 0xff;
                    hash *= 1099511628211UL;
                }
            }
        }
        return hash;
    }

    // Mean next-token loss over the held-out targets (the first EvalSequences sequences), on the root only; null without held-out data.
    private double? Validate(CausalLM model, LoraData data)
    {
        if (data.Validation.Count == 0 || !_workers.IsRoot) return null;
        return HeldOutLoss(model, data.Validation.Take(EvalCount(data)).ToArray(), _options.BatchSize);
    }

    private int EvalCount(LoraData data) => _options.EvalSequences > 0 ? Math.Min(_options.EvalSequences, data.Validation.Count) : data.Validation.Count;

    /// <summary>Mean cross-entropy (nats per target token) of <paramref name="examples"/> under the model, in eval mode and without gradients.</summary>
    public static double HeldOutLoss(CausalLM model, IReadOnlyList<LoraExample> examples, int batchSize)
    {
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            double sum = 0;
            long targets = 0;
            for (int start = 0; start < examples.Count; start += batchSize)
            {
                using var scope = NewDisposeScope();
                LoraExample[] rows = [.. examples.Skip(start).Take(batchSize)];
                (Tensor ids, Tensor labels) = Batch(rows, model.Device);
                Tensor logits = model.Forward(ids);
                sum += nn.functional.cross_entropy(logits.reshape(-1, logits.shape[2]), labels.reshape(-1), ignore_index: -100, reduction: nn.Reduction.Sum).item<float>();
                targets += rows.Sum(r => (long)r.Targets);
            }
            return sum / targets;
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    // Sample p of the endless training stream: epoch p / N in a seeded permutation of the examples.
    private long TrainIndex(int n, long position, Dictionary<long, long[]> permutations)
    {
        long epoch = position / n;
        if (!permutations.TryGetValue(epoch, out long[]? order))
        {
            order = [.. Enumerable.Range(0, n).Select(i => (long)i)];
            new Random(unchecked(_options.Seed * 1_000_003 + (int)epoch)).Shuffle(order);
            permutations.Clear();
            permutations[epoch] = order;
        }
        return order[position % n];
    }

    private void CheckResumable(LoraState state, LoraData data, string checkpoint)
    {
        if (state.DataSha256 != data.Sha256)
            throw new InvalidDataException($"{checkpoint} was trained on data {state.DataSha256}, but --data {_options.Data} now gives {data.Sha256}");
        string Decisive(LoraOptions o) => JsonSerializer.Serialize(o with { Output = "", Data = "", Base = "", StopAfter = null, Threads = 0, EvalEvery = 0, CheckpointEvery = 1 }, TrainingState.Json);
        if (Decisive(state.Options) != Decisive(_options))
            throw new ArgumentException($"{checkpoint} was written with other training options; --resume needs the same ones (see its state.json)");
    }

    private static void LoadCheckpoint(string checkpoint, IReadOnlyList<(string Name, Parameter Parameter)> adapter, AdamW optimizer, int step)
    {
        using (var weights = SafeTensorsFile.Open(Path.Combine(checkpoint, "weights.safetensors")))
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in adapter)
            {
                using Tensor saved = weights.Load(name);
                parameter.copy_(saved);
            }
        }
        using var state = SafeTensorsFile.Open(Path.Combine(checkpoint, "optimizer.safetensors"));
        optimizer.Load(name => state.Load(name), step);
    }

    private static void AppendMetrics(string path, int step, double loss, double lr, double tokensPerSecond, long tokens, double? validation, double elapsed)
    {
        JsonObject line = MetricsLog.Line(step, loss, lr, tokensPerSecond, tokens, elapsed);
        if (validation is double v) line["val_loss"] = v;
        MetricsLog.Append(path, line);
    }

    private void WriteRunInfo(LoraData data, double? initial, double? final, long adapterParameters)
    {
        var info = new JsonObject
        {
            ["data"] = data.Description,
            ["data_sha256"] = data.Sha256,
            ["train_sequences"] = data.Train.Count,
            ["validation_sequences"] = data.Validation.Count,
            ["adapter_parameters"] = adapterParameters,
            ["workers"] = _workers.Size,
            ["val_loss_initial"] = initial,
            ["val_loss_final"] = final,
            ["options"] = JsonSerializer.SerializeToNode(_options, TrainingState.Json),
        };
        File.WriteAllText(Path.Combine(_options.Output, "run.json"), info.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
    }
}
