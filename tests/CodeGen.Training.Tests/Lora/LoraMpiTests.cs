using System.Diagnostics;
using System.Text.Json;
using CodeGen.Training.Tests.Distributed;

namespace CodeGen.Training.Tests.Lora;

// `training lora` itself under mpiexec.mpich: the real MPI transport behind DataParallel.Create(), not the in-process
// stand-in of LoraTrainerTests.
public sealed class LoraMpiTests : IDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(4);
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-lora-mpi-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string[] Arguments(string output, int steps, params string[] extra) => Arguments(output, steps, 48, 4, extra);

    private string[] Arguments(string output, int steps, int seqLen, int batch, params string[] extra) =>
    [
        "lora", "--base", LoraFixture.Base(_root), "--data", LoraFixture.Pairs(_root), "--output", output, "--steps", $"{steps}",
        "--rank", "4", "--alpha", "8", "--batch-size", $"{batch}", "--seq-len", $"{seqLen}", "--lr", "1e-2", "--warmup", "2", "--eval-every", "0",
        "--checkpoint-every", "2", "--checksum-every", "2", "--dropout", "0", "--threads", "1", "--seed", "3", .. extra,
    ];

    private static void AssertSameLosses(double[] expected, double[] actual, int from = 0)
    {
        for (int i = from; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"step {i + 1}: one worker {expected[i]:F6}, two {actual[i]:F6}");
    }

    [Fact]
    public void Lora_UnderMpiexecTwoRanks_SameLossesAsOneWorkerAndOneAdapterWritten()
    {
        string one = Path.Combine(_root, "one"), two = Path.Combine(_root, "two");
        using (TrainingProcess job = TrainingProcess.Start(null, Arguments(one, 6)))
        {
            job.WaitForExit(Startup);
            Assert.True(job.ExitCode == 0, job.Output);
        }
        using (TrainingProcess job = TrainingProcess.Start(2, Arguments(two, 6)))
        {
            job.WaitForExit(Startup);
            Assert.True(job.ExitCode == 0, job.Output);
            Assert.Single(job.Output.Split('\n'), line => line.StartsWith("step 6/6 loss", StringComparison.Ordinal)); // rank 0 alone logs
        }
        double[] expected = LoraFixture.Losses(one), actual = LoraFixture.Losses(two);
        Assert.Equal(6, actual.Length);
        AssertSameLosses(expected, actual);
        Assert.True(File.Exists(Path.Combine(two, "adapter_model.safetensors")));
        using JsonDocument info = JsonDocument.Parse(File.ReadAllText(Path.Combine(two, "run.json")));
        Assert.Equal(2, info.RootElement.GetProperty("workers").GetInt32());
    }

    [Fact]
    public void Lora_RankKilledUnderMpiexec_JobEndsWithinSecondsThenResumeFollowsTheSameCurve()
    {
        string reference = Path.Combine(_root, "reference"), run = Path.Combine(_root, "run");
        const int steps = 400;
        using (TrainingProcess job = TrainingProcess.Start(2, Arguments(run, steps, 256, 8)))
        {
            string metrics = Path.Combine(run, "metrics.jsonl");
            var wait = Stopwatch.StartNew();
            while (!(File.Exists(metrics) && File.ReadAllLines(metrics).Length >= 3))
            {
                Assert.True(wait.Elapsed < Startup && !job.HasExited, "no third step:\n" + job.Output);
                Thread.Sleep(50);
            }
            int rank1 = RankPid(run, 1);
            var clock = Stopwatch.StartNew();
            TrainingProcess.Signal(rank1, 9);
            job.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the job took {clock.Elapsed} to end after rank 1 was killed");
            Assert.NotEqual(0, job.ExitCode);
            Assert.Contains("Killed (signal 9)", job.Output);
        }
        int done = LoraFixture.Losses(run).Length;
        Assert.True(done < steps, "the run finished before the kill");

        // Resume for two more steps than were logged; the losses of every step equal one uninterrupted worker's.
        using (TrainingProcess resumed = TrainingProcess.Start(2, Arguments(run, steps, 256, 8, "--resume", "--stop-after", "2")))
        {
            resumed.WaitForExit(Startup);
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Contains("resumed from", resumed.Output);
        }
        double[] after = LoraFixture.Losses(run);
        using (TrainingProcess alone = TrainingProcess.Start(null, Arguments(reference, steps, 256, 8, "--stop-after", $"{after.Length}")))
        {
            alone.WaitForExit(Startup);
            Assert.True(alone.ExitCode == 0, alone.Output);
        }
        AssertSameLosses(LoraFixture.Losses(reference), after);
    }

    // The pid of the rank of this job's `training lora`: its command line names the run directory, its environment the rank.
    private static int RankPid(string run, int rank)
    {
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                string cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                if (!cmdline.Contains("CodeGen.Training.dll", StringComparison.Ordinal) || !cmdline.Contains(run, StringComparison.Ordinal)) continue;
                if (File.ReadAllText(Path.Combine(dir, "environ")).Split('\0').Contains($"PMI_RANK={rank}")) return pid;
            }
            catch (IOException)
            {
                // the process ended while we looked
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        throw new Xunit.Sdk.XunitException($"no rank {rank} process for {run}");
    }
}
