using TorchSharp;

namespace CodeGen.Training.Distributed;

/// <summary>Chooses the workers of this process's job.</summary>
public static class DataParallel
{
    /// <summary>
    /// The job this process belongs to: MPI when started by an MPI launcher (<c>mpiexec.mpich -n N</c>), otherwise a
    /// single worker. Throws <see cref="InvalidOperationException"/> when a launcher started it but MPI cannot run
    /// (libmpich missing; Open MPI's mpirun, which gives N one-rank jobs).
    /// </summary>
    public static IDataParallel Create() => Create(MpiLauncher.ProcessEnvironment());

    internal static IDataParallel Create(IReadOnlyDictionary<string, string> environment) =>
        MpiLauncher.Detect(environment) is MpiLauncher launcher
            ? MpiDataParallel.Start(launcher, MpiDataParallel.TimeoutFrom(environment))
            : new SingleProcess();

    /// <summary>The device of the worker with <paramref name="localRank"/> on its machine: cuda:r where CUDA exists, else the CPU.</summary>
    public static torch.Device DeviceFor(int localRank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(localRank);
        if (!torch.cuda.is_available()) return torch.CPU;
        int devices = torch.cuda.device_count();
        if (localRank >= devices)
            throw new InvalidOperationException($"rank {localRank} on this machine needs cuda:{localRank} but the machine has {devices} CUDA device(s): start at most {devices} ranks per machine");
        return new torch.Device(DeviceType.CUDA, localRank);
    }

    /// <summary>The device of <paramref name="job"/>'s worker in this process (by its rank on this machine).</summary>
    public static torch.Device DeviceFor(IDataParallel job) => DeviceFor(job.LocalRank);
}
