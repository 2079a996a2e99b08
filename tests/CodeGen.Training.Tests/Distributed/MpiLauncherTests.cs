using CodeGen.Training.Distributed;

namespace CodeGen.Training.Tests.Distributed;

public sealed class MpiLauncherTests
{
    private static Dictionary<string, string> Environment(params (string Name, string Value)[] variables) =>
        variables.ToDictionary(v => v.Name, v => v.Value);

    [Fact]
    public void Detect_NoLauncherVariables_IsNull()
    {
        Assert.Null(MpiLauncher.Detect(Environment(("PATH", "/usr/bin"), ("HOME", "/root"))));
    }

    [Fact]
    public void Detect_HydraVariables_MpichLauncherWithSizeAndLocalRank()
    {
        MpiLauncher? launcher = MpiLauncher.Detect(Environment(("PMI_RANK", "1"), ("PMI_SIZE", "4"), ("PMI_FD", "6"), ("MPI_LOCALNRANKS", "2"), ("MPI_LOCALRANKID", "1")));

        Assert.Equal(new MpiLauncher("MPICH hydra (PMI)", "PMI_SIZE=4", 4, 1, MpichCompatible: true), launcher);
    }

    [Fact]
    public void Detect_OpenMpiVariables_OpenMpiLauncherThatMpichCannotJoin()
    {
        MpiLauncher? launcher = MpiLauncher.Detect(Environment(
            ("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "1"), ("OMPI_COMM_WORLD_LOCAL_RANK", "1"), ("PMIX_RANK", "1")));

        Assert.Equal(new MpiLauncher("Open MPI", "OMPI_COMM_WORLD_SIZE=2", 2, 1, MpichCompatible: false), launcher);
    }

    [Fact]
    public void Detect_PmixOnly_LauncherOfUnknownSize()
    {
        MpiLauncher launcher = MpiLauncher.Detect(Environment(("PMIX_RANK", "0"), ("PMIX_NAMESPACE", "prterun-vm-1@1")))!;

        Assert.Null(launcher.Size);
        Assert.False(launcher.MpichCompatible);
        Assert.Null(launcher.Mismatch(1));
    }

    [Fact]
    public void Mismatch_OpenMpiForTwoButWorldOfOne_NamesTheLauncherAndTheFix()
    {
        MpiLauncher launcher = MpiLauncher.Detect(Environment(("OMPI_COMM_WORLD_SIZE", "2"), ("OMPI_COMM_WORLD_RANK", "0")))!;

        Assert.Equal(
            "started by Open MPI for 2 processes (OMPI_COMM_WORLD_SIZE=2) but MPI sees a world of 1: MPI.NET runs on MPICH here, which cannot "
            + "join Open MPI's job, so each process became a one-rank job of its own; launch with mpiexec.mpich -n 2 instead of Open MPI's mpirun",
            launcher.Mismatch(1));
        Assert.Null(launcher.Mismatch(2));
    }

    [Fact]
    public void Mismatch_HydraSizeDiffersFromWorld_SaysSo()
    {
        MpiLauncher launcher = MpiLauncher.Detect(Environment(("PMI_RANK", "0"), ("PMI_SIZE", "3")))!;

        Assert.Equal("started by MPICH hydra (PMI) for 3 processes (PMI_SIZE=3) but MPI sees a world of 1: check that every rank runs the same MPICH (libmpich.so.12)",
            launcher.Mismatch(1));
        Assert.Null(launcher.Mismatch(3));
    }

    [Fact]
    public void Create_WithoutLauncher_SingleProcess()
    {
        using IDataParallel job = DataParallel.Create(Environment(("PATH", "/usr/bin")));

        SingleProcess single = Assert.IsType<SingleProcess>(job);
        Assert.Equal((0, 1, 0, true), (single.Rank, single.Size, ((IDataParallel)single).LocalRank, ((IDataParallel)single).IsRoot));
        float[] buffer = [1.5f, -2f];
        job.AverageInPlace(buffer);
        Assert.Equal([1.5f, -2f], buffer);
        Assert.True(job.AllEqual(7));
    }

    [Fact]
    public void Create_TestProcessEnvironment_SingleProcess()
    {
        // The test host is not started by an MPI launcher, so the real environment gives one worker.
        Assert.Null(MpiLauncher.Detect(MpiLauncher.ProcessEnvironment()));
        using IDataParallel job = DataParallel.Create();

        Assert.IsType<SingleProcess>(job);
    }

    [Fact]
    public void Start_LibraryMissing_SaysWhichLibraryAndHowToInstallIt()
    {
        MpiLauncher launcher = MpiLauncher.Detect(Environment(("PMI_RANK", "0"), ("PMI_SIZE", "2")))!;

        var error = Assert.Throws<InvalidOperationException>(() => MpiDataParallel.Start(launcher, TimeSpan.FromSeconds(1), "libmpich-not-installed.so.12"));

        Assert.Equal("MPI launch detected (MPICH hydra (PMI), PMI_SIZE=2) but libmpich-not-installed.so.12 was not found: install MPICH "
            + "(apt-get install mpich) and launch with mpiexec.mpich", error.Message);
    }

    [Theory]
    [InlineData(null, 300.0)]
    [InlineData("2.5", 2.5)]
    [InlineData("0", -1.0)]
    public void TimeoutFrom_Variable_SecondsOrDefaultOrNone(string? value, double expectedSeconds)
    {
        var environment = value is null ? Environment() : Environment((MpiDataParallel.TimeoutVariable, value));

        TimeSpan timeout = MpiDataParallel.TimeoutFrom(environment);

        Assert.Equal(expectedSeconds < 0 ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(expectedSeconds), timeout);
    }

    [Fact]
    public void TimeoutFrom_NotANumber_NamesTheVariable()
    {
        var error = Assert.Throws<ArgumentException>(() => MpiDataParallel.TimeoutFrom(Environment((MpiDataParallel.TimeoutVariable, "soon"))));

        Assert.Equal("CODEGEN_MPI_COLLECTIVE_TIMEOUT=soon: expected seconds (0 = wait for ever)", error.Message);
    }

    [Fact]
    public void DeviceFor_NoCuda_Cpu()
    {
        // This suite runs on the CPU build of libtorch: every rank's device is the CPU.
        Assert.False(TorchSharp.torch.cuda.is_available());
        Assert.Equal(TorchSharp.DeviceType.CPU, DataParallel.DeviceFor(3).type);
    }
}
