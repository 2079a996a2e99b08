using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using CodeGen.Model.Weights;
using CodeGen.Training.Distributed;

namespace CodeGen.Training.Tests.Distributed;

/// <summary>
/// <c>training mpi-check</c> under MPICH's <c>mpiexec.mpich</c>: the data-parallel loss curve, a rank killed, hung or
/// throwing, resume, Open MPI's launcher detected, and the benchmark table. Each test starts real processes (about 2-10 s each).
/// </summary>
public sealed partial class MpiCheckCommandTests : IDisposable
{
    private const int SIGKILL = 9, SIGSTOP = 19;
    private static readonly TimeSpan Startup = TimeSpan.FromMinutes(2);
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-mpi-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>The per-step losses printed by rank 0 ("step S loss L").</summary>
    private static SortedDictionary<int, double> Losses(string output) => new(StepLine().Matches(output).ToDictionary(
        m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));

    /// <summary>The same loop in this process with one worker: the curve every number of ranks must follow.</summary>
    private static IReadOnlyList<double> Reference(int steps) => MpiCheck.Train(new SingleProcess(), new MpiCheckOptions { Steps = steps }, TextWriter.Null);

    private static void AssertSameCurve(IReadOnlyList<double> reference, SortedDictionary<int, double> actual, int firstStep)
    {
        Assert.Equal(Enumerable.Range(firstStep, reference.Count - firstStep + 1), actual.Keys);
        foreach ((int step, double loss) in actual)
            Assert.True(Math.Abs(loss - reference[step - 1]) <= 1e-4, $"step {step}: loss {loss} on 2 ranks, {reference[step - 1]} on one");
    }

    [Fact]
    public void MpiCheck_TwoRanks_SameLossCurveAsOneRankToOneInTenThousand()
    {
        using TrainingProcess job = TrainingProcess.Start(2, ["mpi-check", "--steps", "30"]);
        job.WaitForExit(Startup);

        Assert.True(job.ExitCode == 0, job.Output);
        Assert.Contains("mpi-check: 2 rank(s) (MPI over libmpich.so.12, collective timeout 60 s)", job.Output);
        Assert.Matches("rank 0 pid \\d+ device cpu", job.Output);
        Assert.Matches("rank 1 pid \\d+ device cpu", job.Output);
        Assert.Contains("collectives: mean of 1,000,003 floats exact on 2 rank(s); AllEqual true for equal values, false for distinct ones; barrier passed", job.Output);
        Assert.Contains("weights: equal on all 2 rank(s)", job.Output);
        IReadOnlyList<double> reference = Reference(30);
        AssertSameCurve(reference, Losses(job.Output), firstStep: 1);
        Assert.True(reference[^1] < reference[0] - 0.5, $"the loss should fall: {reference[0]} -> {reference[^1]}");
    }

    [Fact]
    public void MpiCheck_WithoutLauncher_OneWorkerOnTheSameCurve()
    {
        using TrainingProcess job = TrainingProcess.Start(null, ["mpi-check", "--steps", "8"]);
        job.WaitForExit(Startup);

        Assert.True(job.ExitCode == 0, job.Output);
        Assert.Contains("mpi-check: 1 rank(s) (no MPI launcher: one worker)", job.Output);
        AssertSameCurve(Reference(8), Losses(job.Output), firstStep: 1);
    }

    [Fact]
    public void MpiCheck_RankKilledWithSigkill_JobEndsWithinSecondsNamingIt_ThenResumesOnTheSameCurve()
    {
        string checkpoint = Path.Combine(_root, "checkpoint");
        int killedPid;
        using (TrainingProcess job = TrainingProcess.Start(2,
            ["mpi-check", "--steps", "400", "--step-delay-ms", "50", "--checkpoint", checkpoint, "--checkpoint-every", "5"]))
        {
            job.WaitForLine("^step 12 loss", Startup);
            killedPid = int.Parse(job.WaitForLine("^rank 1 pid (\\d+)", Startup).Groups[1].Value, CultureInfo.InvariantCulture);

            var clock = Stopwatch.StartNew();
            TrainingProcess.Signal(killedPid, SIGKILL);
            job.WaitForExit(TimeSpan.FromSeconds(30));
            clock.Stop();

            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the job took {clock.Elapsed} to end after rank 1 was killed");
            Assert.NotEqual(0, job.ExitCode);
            // Hydra notices the dead rank, ends the other one and says which process died and how.
            Assert.Contains("BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES", job.Output);
            Assert.Contains($"PID {killedPid} RUNNING AT", job.Output);
            Assert.Contains("Killed (signal 9)", job.Output);
            Assert.DoesNotContain("step 400 loss", job.Output);
        }

        // Rank 0's last checkpoint: step 10 at least (step 12 was printed), a multiple of --checkpoint-every.
        int saved;
        using (var file = SafeTensorsFile.Open(Path.Combine(checkpoint, "checkpoint.safetensors")))
            saved = int.Parse(file.Metadata["step"], CultureInfo.InvariantCulture);
        Assert.True(saved >= 10 && saved % 5 == 0, $"checkpoint at step {saved}");
        int last = saved + 8;
        using (TrainingProcess resumed = TrainingProcess.Start(2, ["mpi-check", "--steps", $"{last}", "--checkpoint", checkpoint, "--resume"]))
        {
            resumed.WaitForExit(Startup);
            Assert.True(resumed.ExitCode == 0, resumed.Output);
            Assert.Contains($"resumed from step {saved} (", resumed.Output);
            AssertSameCurve(Reference(last), Losses(resumed.Output), firstStep: saved + 1);
        }
    }

    [Fact]
    public void MpiCheck_RankStopped_WatchdogEndsTheJobNamingRankCollectiveAndTimeout()
    {
        using TrainingProcess job = TrainingProcess.Start(2, ["mpi-check", "--steps", "400", "--step-delay-ms", "50"],
            new Dictionary<string, string> { ["CODEGEN_MPI_COLLECTIVE_TIMEOUT"] = "3" });
        job.WaitForLine("^step 3 loss", Startup);
        int stoppedPid = int.Parse(job.WaitForLine("^rank 1 pid (\\d+)", Startup).Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            var clock = Stopwatch.StartNew();
            TrainingProcess.Signal(stoppedPid, SIGSTOP); // alive but silent: hydra sees nothing wrong, so only the watchdog can end it
            job.WaitForExit(TimeSpan.FromSeconds(60));

            Assert.InRange(clock.Elapsed, TimeSpan.FromSeconds(2.5), TimeSpan.FromSeconds(20));
            Assert.Equal(1, job.ExitCode);
            Assert.Matches("error: rank 0 of 2 waited \\d+\\.\\d s in AverageInPlace \\(call \\d+\\) for the other ranks, longer than the collective timeout "
                + "of 3 s: another rank died or hung; ending the job \\(set CODEGEN_MPI_COLLECTIVE_TIMEOUT to wait longer, 0 to wait for ever\\)", job.Output);
            Assert.False(Alive(stoppedPid), "the stopped rank outlived the job");
        }
        finally
        {
            if (Alive(stoppedPid)) TrainingProcess.Signal(stoppedPid, SIGKILL);
        }
    }

    [Fact]
    public void MpiCheck_OneRankThrows_JobEndsAtOnceWithThatRanksError()
    {
        var clock = Stopwatch.StartNew();
        using TrainingProcess job = TrainingProcess.Start(2, ["mpi-check", "--steps", "10", "--fail-rank", "1", "--fail-at-step", "3"]);
        job.WaitForExit(Startup);

        Assert.Equal(1, job.ExitCode);
        Assert.Contains("error: rank 1 of 2: --fail-rank 1: failing on purpose at step 3", job.Output);
        Assert.Contains("step 2 loss", job.Output);
        Assert.DoesNotContain("step 3 loss", job.Output);
        Assert.DoesNotContain("waited", job.Output); // not the watchdog's 60 s: the failing rank ended the job itself
        Assert.DoesNotContain("   at ", job.Output); // bad input and deliberate failures carry no stack trace
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"took {clock.Elapsed}");
    }

    [Fact]
    public void MpiCheck_OpenMpiEnvironmentWithWorldOfOne_FailsNamingOpenMpiAndMpiexecMpich()
    {
        // What Open MPI's mpirun -n 2 gives each process: its OMPI_* variables, while MPICH (no PMI variables) starts a world of one.
        using TrainingProcess job = TrainingProcess.Start(null, ["mpi-check", "--steps", "3"], new Dictionary<string, string>
        {
            ["OMPI_COMM_WORLD_SIZE"] = "2",
            ["OMPI_COMM_WORLD_RANK"] = "1",
            ["OMPI_COMM_WORLD_LOCAL_RANK"] = "1",
        });
        job.WaitForExit(Startup);

        Assert.Equal(1, job.ExitCode);
        Assert.Equal("error: started by Open MPI for 2 processes (OMPI_COMM_WORLD_SIZE=2) but MPI sees a world of 1: MPI.NET runs on MPICH here, "
            + "which cannot join Open MPI's job, so each process became a one-rank job of its own; launch with mpiexec.mpich -n 2 instead of Open MPI's mpirun",
            job.Output.Trim());
    }

    [Fact]
    public void MpiCheck_Bench_TableRowPerSize()
    {
        using TrainingProcess job = TrainingProcess.Start(2, ["mpi-check", "--bench", "--bench-sizes", "0.25,1", "--bench-iterations", "3"]);
        job.WaitForExit(Startup);

        Assert.True(job.ExitCode == 0, job.Output);
        Assert.Contains("| buffer | floats | median ms | min ms | max ms | bus GB/s (median) |", job.Output);
        Assert.Matches("\\| 0\\.25 MiB \\| 65,536 \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{2} \\|", job.Output);
        Assert.Matches("\\| 1 MiB \\| 262,144 \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{3} \\| \\d+\\.\\d{2} \\|", job.Output);
    }

    /// <summary>Whether <paramref name="pid"/> is a live process (a zombie, dead but not yet reaped, is not).</summary>
    private static bool Alive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false; // no such process
        }
        // "pid (comm) S ...": the state follows the last ')'.
        char state = stat[(stat.LastIndexOf(')') + 2)..][0];
        return state is not ('Z' or 'X');
    }

    [GeneratedRegex("^step (\\d+) loss (\\S+)$", RegexOptions.Multiline)]
    private static partial Regex StepLine();
}
