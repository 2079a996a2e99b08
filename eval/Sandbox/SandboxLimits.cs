namespace CodeGen.Eval.Sandbox;

// Resource limits of one sandboxed run. Each default is chosen for a Python test program; the C# executor
// raises AddressSpaceBytes because the .NET runtime reserves far more virtual memory than it uses.
internal sealed record SandboxLimits
{
    // Wall-clock limit; at expiry the whole sandbox is killed and the run reports TimedOut. Default 3 s, as
    // openai/human-eval.
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(3);

    // RLIMIT_AS. Default 1 GiB: a Python test needs tens of MiB; a memory bomb gets MemoryError.
    public long AddressSpaceBytes { get; init; } = 1L << 30;

    // Memory limit of the whole sandbox (every process's RAM plus tmpfs pages written to /work; a cgroup for
    // bwrap where the host lets us set one, the container's limit for Docker). Default 1.5 GiB: above
    // AddressSpaceBytes, so one process that allocates too much gets a clean MemoryError (a failed sample)
    // from its address-space limit first, and this limit stops what that cannot (many processes, a full tmpfs)
    // by killing the sandbox.
    public long MemoryBytes { get; init; } = 3L << 29;

    // RLIMIT_NPROC for the slot's uid and the cgroup pids limit. Default 64: a fork bomb stops there.
    public int Processes { get; init; } = 64;

    // RLIMIT_FSIZE: the largest file the program may write. Default 16 MiB.
    public long FileSizeBytes { get; init; } = 16L << 20;

    // RLIMIT_NOFILE. Default 64.
    public int OpenFiles { get; init; } = 64;

    // Bytes of stdout and of stderr kept each; the rest is read and dropped so the program never blocks.
    // Default 64 KiB.
    public int OutputBytes { get; init; } = 64 * 1024;

    // RLIMIT_CPU soft limit in seconds: the wall-clock timeout rounded up plus one, so the wall clock normally
    // fires first and a busy program cannot outlive a lost timer. At the soft limit the kernel sends SIGXCPU
    // (reported as a timeout); the hard limit, a second later, is SIGKILL. (With soft == hard the kernel
    // sends SIGKILL straight away, which would read as a crash.)
    public int CpuSeconds => (int)Math.Ceiling(Timeout.TotalSeconds) + 1;

    // RLIMIT_CPU hard limit in seconds.
    public int CpuHardSeconds => CpuSeconds + 1;
}
