using CodeGen.Training.Distributed;

namespace CodeGen.Training.Tests.Distributed;

public sealed class CollectiveWatchdogTests
{
    [Fact]
    public void Enter_CallOutlivesTimeout_FailsOnceNamingRankOperationCallAndTimeout()
    {
        var messages = new List<string>();
        using var fired = new ManualResetEventSlim();
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(200), "rank 1 of 4", message =>
        {
            lock (messages) messages.Add(message);
            fired.Set();
        });

        using (watchdog.Enter("AverageInPlace", 17))
            Assert.True(fired.Wait(TimeSpan.FromSeconds(30)), "the watchdog did not fire");

        Thread.Sleep(300);
        string only = Assert.Single(messages);
        Assert.Matches("^rank 1 of 4 waited (0\\.[2-9]|[1-9]\\d*\\.\\d) s in AverageInPlace \\(call 17\\) for the other ranks, longer than the collective timeout of 0\\.2 s: "
            + "another rank died or hung; ending the job \\(set CODEGEN_MPI_COLLECTIVE_TIMEOUT to wait longer, 0 to wait for ever\\)$", only);
    }

    [Fact]
    public void Enter_CallsThatReturnInTime_NeverFail()
    {
        int failures = 0;
        using var watchdog = new CollectiveWatchdog(TimeSpan.FromMilliseconds(300), "rank 0 of 2", _ => Interlocked.Increment(ref failures));

        for (int call = 1; call <= 10; call++)
        {
            using (watchdog.Enter("Barrier", call)) Thread.Sleep(50);
        }
        Thread.Sleep(600);

        Assert.Equal(0, failures);
    }

    [Fact]
    public void Enter_InfiniteTimeout_NeverFails()
    {
        int failures = 0;
        using var watchdog = new CollectiveWatchdog(Timeout.InfiniteTimeSpan, "rank 0 of 2", _ => Interlocked.Increment(ref failures));

        using (watchdog.Enter("AllEqual", 1)) Thread.Sleep(200);

        Assert.Equal(0, failures);
    }
}
