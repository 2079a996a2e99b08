using System.Diagnostics;
using System.Globalization;
using CodeGen.Model.Weights;
using TorchSharp.Modules;
using AdamW = CodeGen.Training.Pretraining.AdamW;
using static TorchSharp.torch;

namespace CodeGen.Training.Distributed;

/// <summary>
/// <c>training mpi-check</c>: proves the collective path without a language model. Exact checks of the three
/// collectives, then a small data-parallel training loop in which rank r of N takes slice r of a fixed global
/// batch and the gradients of the mean loss are averaged with one <see cref="IDataParallel.AverageInPlace"/> per
/// step, so every N follows the loss curve of N = 1 (to float rounding); and a timing of the allreduce.
/// </summary>
internal static class MpiCheck
{
    private const int Inputs = 16, Hidden = 64, Classes = 4, Examples = 256;
    private const string CheckpointFile = "checkpoint.safetensors";

    /// <summary>
    /// Averages a buffer of known values (exact in float32), compares equal and unequal values and passes a barrier;
    /// true when every rank found every result right.
    /// </summary>
    public static bool CheckCollectives(IDataParallel job, TextWriter output)
    {
        const int Length = 1_000_003; // not a multiple of the vector width
        var failures = new List<string>();

        // Rank r holds (r + 1)·(i mod 7 + 1); the mean over N ranks is (N + 1)/2·(i mod 7 + 1), exact in float32.
        float[] buffer = new float[Length];
        for (int i = 0; i < Length; i++) buffer[i] = (job.Rank + 1) * (i % 7 + 1);
        job.AverageInPlace(buffer);
        for (int i = 0; i < Length; i++)
        {
            float expected = (job.Size + 1) / 2f * (i % 7 + 1);
            if (buffer[i] != expected)
            {
                failures.Add($"AverageInPlace: element {i} is {buffer[i]}, expected {expected}");
                break;
            }
        }

        if (!job.AllEqual(0xfedc_ba98_7654_3210)) failures.Add("AllEqual: false for the same value on every rank");
        bool distinct = job.AllEqual(ulong.MaxValue - (ulong)job.Rank);
        if (distinct != (job.Size == 1)) failures.Add($"AllEqual: {distinct} for a different value on each of {job.Size} ranks");
        job.Barrier();

        foreach (string failure in failures) Console.Error.WriteLine($"error: rank {job.Rank}: {failure}");
        bool allPassed = job.AllEqual(failures.Count == 0 ? 1UL : 0UL) && failures.Count == 0;
        if (job.IsRoot)
            output.WriteLine(allPassed
                ? $"collectives: mean of {Length:N0} floats exact on {job.Size} rank(s); AllEqual true for equal values, {(job.Size == 1 ? "true (one rank)" : "false")} for distinct ones; barrier passed"
                : "collectives: FAILED (errors above)");
        return allPassed;
    }

    /// <summary>Trains the check model; rank 0 prints "step S loss L" per step. Returns each step's loss (the mean over the global batch).</summary>
    public static IReadOnlyList<double> Train(IDataParallel job, MpiCheckOptions o, TextWriter output)
    {
        if (o.GlobalBatch % job.Size != 0 || o.GlobalBatch < job.Size)
            throw new ArgumentException($"--global-batch {o.GlobalBatch} does not split into {job.Size} equal slices: use a multiple of the number of ranks");
        if (o.Steps < 1 || o.CompareEvery < 1 || o.CheckpointEvery < 1)
            throw new ArgumentException("--steps, --compare-every and --checkpoint-every must be at least 1");
        if (o.Resume && o.Checkpoint is null) throw new ArgumentException("--resume needs --checkpoint DIR");

        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)o.Seed);
        (Tensor inputs, Tensor labels) = Problem(generator);
        var model = nn.Sequential(("hidden", nn.Linear(Inputs, Hidden)), ("act", nn.Tanh()), ("out", nn.Linear(Hidden, Classes)));
        (string Name, Parameter Parameter)[] parameters = [.. model.named_parameters().Select(p => (p.name, p.parameter))];
        Initialise(parameters, generator);
        using var optimizer = new AdamW(parameters, beta1: 0.9, beta2: 0.99, weightDecay: 0.01);
        var gradients = new GradientBuffer(parameters.Select(p => p.Parameter), extra: 1);

        int first = 1;
        if (o.Resume)
        {
            first = Restore(o, parameters, optimizer) + 1;
            if (job.IsRoot) output.WriteLine($"resumed from step {first - 1} ({Path.Combine(o.Checkpoint!, CheckpointFile)})");
        }
        CompareWeights(job, parameters, first - 1);

        int slice = o.GlobalBatch / job.Size;
        var losses = new List<double>();
        for (int step = first; step <= o.Steps; step++)
        {
            using var stepScope = NewDisposeScope();
            if (o.FailRank == job.Rank && o.FailAtStep == step)
                throw new InvalidOperationException($"--fail-rank {job.Rank}: failing on purpose at step {step}");

            // Global rows (step - 1)·B .. step·B - 1 (mod the data set); this rank's slice of them.
            long start = (long)(step - 1) * o.GlobalBatch + (long)job.Rank * slice;
            Tensor rows = arange(start, start + slice, int64).remainder_(Examples);
            Tensor loss = nn.functional.cross_entropy(model.forward(inputs.index_select(0, rows)), labels.index_select(0, rows));
            loss.backward();

            // The mean of the slices' mean losses is the global mean loss, since the slices are equal: one collective for both.
            gradients.Gather();
            gradients.Extra[0] = loss.item<float>();
            job.AverageInPlace(gradients.Values);
            gradients.Scatter();
            double globalLoss = gradients.Extra[0];

            optimizer.Step(o.LearningRate);
            optimizer.ZeroGrad();
            losses.Add(globalLoss);
            if (job.IsRoot) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"step {step} loss {globalLoss:R}"));

            if (step % o.CompareEvery == 0 || step == o.Steps) CompareWeights(job, parameters, step);
            if (o.Checkpoint is not null && job.IsRoot && (step % o.CheckpointEvery == 0 || step == o.Steps))
                Save(o, step, parameters, optimizer);
            if (o.StepDelayMs > 0) Thread.Sleep(o.StepDelayMs);
        }
        if (job.IsRoot)
            output.WriteLine($"weights: equal on all {job.Size} rank(s) (checksum 0x{WeightsChecksum.Of(parameters.Select(p => (Tensor)p.Parameter)):x16})");
        return losses;
    }

    /// <summary>
    /// Times <see cref="IDataParallel.AverageInPlace"/> on buffers of each size (MiB of float32), after warm-up calls;
    /// rank 0 prints a Markdown table (median, min, max, and the bus bandwidth 2(N-1)/N·bytes/time of a ring allreduce).
    /// </summary>
    public static void Benchmark(IDataParallel job, IReadOnlyList<double> sizesMiB, int iterations, TextWriter output)
    {
        if (iterations < 1) throw new ArgumentException("--bench-iterations must be at least 1");
        if (job.IsRoot)
        {
            output.WriteLine($"allreduce (AverageInPlace: MPI_Allreduce sum in place, then / N) on {job.Size} rank(s), {iterations} timed calls per size after 3 warm-up calls");
            output.WriteLine();
            output.WriteLine("| buffer | floats | median ms | min ms | max ms | bus GB/s (median) |");
            output.WriteLine("| ---: | ---: | ---: | ---: | ---: | ---: |");
        }
        foreach (double mib in sizesMiB)
        {
            if (!(mib > 0)) throw new ArgumentException($"--bench-sizes: {mib} MiB is not a positive size");
            float[] buffer = new float[checked((int)(mib * 1024 * 1024 / sizeof(float)))];
            Array.Fill(buffer, job.Rank + 1);
            for (int i = 0; i < 3; i++) job.AverageInPlace(buffer);
            double[] milliseconds = new double[iterations];
            for (int i = 0; i < iterations; i++)
            {
                job.Barrier();
                long begin = Stopwatch.GetTimestamp();
                job.AverageInPlace(buffer);
                milliseconds[i] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
            }
            Array.Sort(milliseconds);
            double median = iterations % 2 == 1 ? milliseconds[iterations / 2] : (milliseconds[iterations / 2 - 1] + milliseconds[iterations / 2]) / 2;
            double bytes = buffer.Length * (double)sizeof(float);
            double busBandwidth = job.Size == 1 ? 0 : 2.0 * (job.Size - 1) / job.Size * bytes / (median / 1000) / 1e9;
            if (job.IsRoot)
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {mib:0.##} MiB | {buffer.Length:N0} | {median:F3} | {milliseconds[0]:F3} | {milliseconds[^1]:F3} | {busBandwidth:F2} |"));
        }
    }

    /// <summary>A fixed classification problem: Gaussian inputs labelled by a random linear teacher.</summary>
    private static (Tensor Inputs, Tensor Labels) Problem(Generator generator)
    {
        Tensor inputs = randn([Examples, Inputs], generator: generator);
        using Tensor teacher = randn([Inputs, Classes], generator: generator);
        return (inputs, inputs.matmul(teacher).argmax(1));
    }

    /// <summary>
    /// Uniform in ±1/√fan-in, as nn.Linear does, but drawn from the run's own generator, not the process-wide one:
    /// the same weights on every rank whatever else the process has drawn.
    /// </summary>
    private static void Initialise((string Name, Parameter Parameter)[] parameters, Generator generator)
    {
        using var noGrad = no_grad();
        foreach ((string name, Parameter parameter) in parameters)
        {
            double bound = 1 / Math.Sqrt(name == "hidden.weight" || name == "hidden.bias" ? Inputs : Hidden);
            using Tensor uniform = rand(parameter.shape, generator: generator);
            parameter.copy_(uniform.mul_(2 * bound).sub_(bound));
        }
    }

    private static void CompareWeights(IDataParallel job, (string Name, Parameter Parameter)[] parameters, int step)
    {
        if (!job.AllEqual(WeightsChecksum.Of(parameters.Select(p => (Tensor)p.Parameter))))
            throw new InvalidOperationException($"the ranks' weights differ after step {step}: their updates diverged");
    }

    private static void Save(MpiCheckOptions o, int step, (string Name, Parameter Parameter)[] parameters, AdamW optimizer)
    {
        Directory.CreateDirectory(o.Checkpoint!);
        IEnumerable<KeyValuePair<string, Tensor>> tensors = parameters
            .Select(p => new KeyValuePair<string, Tensor>("model." + p.Name, p.Parameter))
            .Concat(optimizer.State());
        SafeTensorsWriter.Write(Path.Combine(o.Checkpoint!, CheckpointFile), tensors, Metadata(o, step));
    }

    private static Dictionary<string, string> Metadata(MpiCheckOptions o, int step) => new()
    {
        ["step"] = step.ToString(CultureInfo.InvariantCulture),
        ["seed"] = o.Seed.ToString(CultureInfo.InvariantCulture),
        ["global_batch"] = o.GlobalBatch.ToString(CultureInfo.InvariantCulture),
        ["learning_rate"] = o.LearningRate.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>Loads weights and optimizer state; returns the checkpoint's step.</summary>
    private static int Restore(MpiCheckOptions o, (string Name, Parameter Parameter)[] parameters, AdamW optimizer)
    {
        string path = Path.Combine(o.Checkpoint!, CheckpointFile);
        if (!File.Exists(path)) throw new FileNotFoundException($"--resume: no checkpoint at {path}", path);
        using SafeTensorsFile file = SafeTensorsFile.Open(path);
        Dictionary<string, string> expected = Metadata(o, 0);
        foreach (string key in expected.Keys.Where(k => k != "step"))
        {
            string saved = file.Metadata.GetValueOrDefault(key, "(missing)");
            if (saved != expected[key])
                throw new ArgumentException($"--resume: {path} was trained with {key} {saved}, this run has {expected[key]}");
        }
        int step = int.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
        if (step >= o.Steps) throw new ArgumentException($"--resume: {path} is at step {step}, not before --steps {o.Steps}");
        using (no_grad())
        {
            foreach ((string name, Parameter parameter) in parameters)
            {
                using Tensor saved = file.Load("model." + name);
                parameter.copy_(saved);
            }
        }
        optimizer.Load(name => file.Load(name), step);
        return step;
    }
}
