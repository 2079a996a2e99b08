using System.CommandLine;
using System.Globalization;
using CodeGen.Training.Distributed;

namespace CodeGen.Training.Commands;

/// <summary><c>mpi-check</c>: the data-parallel collectives, a small data-parallel training run and an allreduce benchmark, without a language model.</summary>
internal static class MpiCheckCommand
{
    public static Command Create()
    {
        Option<int> steps = new("--steps") { DefaultValueFactory = _ => 20, Description = "Training steps (the last step, when resuming)." };
        Option<int> globalBatch = new("--global-batch") { DefaultValueFactory = _ => 16, Description = "Examples per step over all ranks (a multiple of the number of ranks)." };
        Option<int> seed = new("--seed") { DefaultValueFactory = _ => 1, Description = "Seed of the data and the initial weights." };
        Option<double> lr = new("--lr") { DefaultValueFactory = _ => 0.01, Description = "AdamW learning rate." };
        Option<int> compareEvery = new("--compare-every") { DefaultValueFactory = _ => 5, Description = "Steps between weight-checksum comparisons across ranks." };
        Option<DirectoryInfo?> checkpoint = new("--checkpoint") { Description = "Directory where rank 0 writes checkpoint.safetensors." };
        Option<int> checkpointEvery = new("--checkpoint-every") { DefaultValueFactory = _ => 5, Description = "Steps between checkpoints." };
        Option<bool> resume = new("--resume") { Description = "Continue from the checkpoint in --checkpoint (any number of ranks: the curve depends on the global batch only)." };
        Option<bool> bench = new("--bench") { Description = "Time the allreduce instead of training: a Markdown table per buffer size." };
        Option<string> benchSizes = new("--bench-sizes") { DefaultValueFactory = _ => "1,16,64", Description = "Buffer sizes for --bench, MiB of float32, comma-separated." };
        Option<int> benchIterations = new("--bench-iterations") { DefaultValueFactory = _ => 20, Description = "Timed calls per size for --bench." };
        Option<int> threads = new("--threads") { DefaultValueFactory = _ => 1, Description = "Torch threads per rank (0 = default)." };
        Option<int> stepDelay = new("--step-delay-ms") { DefaultValueFactory = _ => 0, Description = "Sleep after each step (for tests that stop a rank mid-run)." };
        Option<int?> failRank = new("--fail-rank") { Description = "For tests: this rank throws at --fail-at-step." };
        Option<int> failAtStep = new("--fail-at-step") { DefaultValueFactory = _ => 1, Description = "The step at which --fail-rank throws." };
        var command = new Command("mpi-check", "Check the MPI data-parallel path: collectives, a small training run whose loss curve does not depend on the number of ranks, and (--bench) allreduce timings. Run under mpiexec.mpich -n N, or alone as one worker.")
        {
            steps, globalBatch, seed, lr, compareEvery, checkpoint, checkpointEvery, resume, bench, benchSizes, benchIterations, threads, stepDelay, failRank, failAtStep,
        };
        command.SetAction(parse =>
        {
            TextWriter output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(threads) is int n and > 0) TorchSharp.torch.set_num_threads(n);
            double[] sizes = ParseSizes(parse.GetValue(benchSizes)!);
            using IDataParallel job = DataParallel.Create();
            if (job.IsRoot)
                output.WriteLine($"mpi-check: {job.Size} rank(s){(job is MpiDataParallel mpi ? $" (MPI over {MpiLibrary.FileName}, collective timeout {Describe(mpi.CollectiveTimeout)})" : " (no MPI launcher: one worker)")}");
            // Every rank says who it is (tests find a rank's process id here); lines of different ranks may interleave.
            output.WriteLine($"rank {job.Rank} pid {Environment.ProcessId} device {DataParallel.DeviceFor(job)}");
            job.Barrier();
            if (!MpiCheck.CheckCollectives(job, output)) return 1;
            if (parse.GetValue(bench))
            {
                MpiCheck.Benchmark(job, sizes, parse.GetValue(benchIterations), output);
                return 0;
            }
            MpiCheck.Train(job, new MpiCheckOptions
            {
                Steps = parse.GetValue(steps),
                GlobalBatch = parse.GetValue(globalBatch),
                Seed = parse.GetValue(seed),
                LearningRate = parse.GetValue(lr),
                CompareEvery = parse.GetValue(compareEvery),
                Checkpoint = parse.GetValue(checkpoint)?.FullName,
                CheckpointEvery = parse.GetValue(checkpointEvery),
                Resume = parse.GetValue(resume),
                StepDelayMs = parse.GetValue(stepDelay),
                FailRank = parse.GetValue(failRank),
                FailAtStep = parse.GetValue(failAtStep),
            }, output);
            return 0;
        });
        return command;
    }

    private static string Describe(TimeSpan timeout) => timeout == Timeout.InfiniteTimeSpan ? "none" : $"{timeout.TotalSeconds:0.#} s";

    private static double[] ParseSizes(string text) => [.. text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(part =>
        double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double mib) && mib > 0 && mib <= 1024
            ? mib
            : throw new ArgumentException($"--bench-sizes: '{part}' is not a size in MiB between 0 and 1024"))];
}
