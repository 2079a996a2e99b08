using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace CodeGen.Eval.Sandbox;

// Runs each program in a fresh Docker container, created through the Engine API (Docker.DotNet) and always
// removed afterwards: no network (network mode none: only a loopback), read-only root filesystem, the files
// read-only at /src (a bind mount of a host temporary directory), tmpfs /work (the current directory) and
// /tmp, the image's unprivileged uid, all capabilities dropped, no-new-privileges, Docker's default seccomp
// profile, memory (swap included), pids and CPU limits in the container's own cgroup, rlimits (CPU, file
// size, open files, no core dumps; address space through the shell that starts the program, since Docker has
// no such ulimit). The wall clock is ours: at the timeout the container gets SIGKILL.
//
// The program runs as a child of `/bin/sh` (pid 1 of the container), never as pid 1 itself: a pid 1 that
// installs no handlers cannot be signalled from inside its namespace, so the program cannot kill its parent,
// and when it exits, sh exits and the kernel kills everything left in the container.
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class DockerSandbox : ISandbox
{
    // The label every container of this sandbox carries; its value tells one sandbox instance's containers
    // apart, so leftovers can be found and removed.
    public const string Label = "codegen.eval.sandbox";

    // pid 1 of every container: sets RLIMIT_AS (ulimit -v, KiB) then runs the command as its child and exits
    // with the child's status (128 + signal when a signal ended it).
    private const string Launcher = "ulimit -v \"$1\" || exit 125; shift; \"$@\"; exit $?";

    // Exit status the launcher uses when it cannot set the address-space limit.
    private const int LaunchFailure = 125;

    private readonly DockerOptions _options;
    private readonly DockerClient _client;
    private readonly SemaphoreSlim _available;
    private readonly string _root;
    private readonly string _instance = Guid.NewGuid().ToString("N")[..12];
    private string _daemon = "unknown";
    private long _runs;
    private int _created;

    private DockerSandbox(DockerOptions options, DockerClient client)
    {
        _options = options;
        _client = client;
        _available = new SemaphoreSlim(options.Slots, options.Slots);
        _root = Directory.CreateTempSubdirectory("codegen-eval-docker-").FullName;
        // The sandbox uid must reach /src's source directories through this one.
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
    }

    public string Name => "docker";

    // The label value of this instance's containers.
    public string Instance => _instance;

    public string Description =>
        $"docker {_options.Image} (daemon {_daemon}), {_options.Slots} container(s) at once, network none, read-only root, " +
        $"uid {_options.Uid}, cap-drop ALL, no-new-privileges, {_options.Cpus.ToString(CultureInfo.InvariantCulture)} CPU, memory+pids cgroup per container";

    // Connects to the daemon and proves the sandbox works: the daemon answers, the image exists, and a container
    // runs /usr/bin/true. Throws SandboxUnavailableException, naming what is missing and how to fix it, otherwise.
    public static async Task<DockerSandbox> CreateAsync(DockerOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Slots, 1);
        const string Fix = "start dockerd and build the image with eval/Sandbox/Docker/build-image.sh (as root)";
        if (options.Endpoint.Scheme == "unix" && !File.Exists(options.Endpoint.AbsolutePath))
        {
            throw new SandboxUnavailableException(
                $"docker sandbox unavailable: no Docker daemon socket at {options.Endpoint.AbsolutePath}; {Fix}, or point --docker-host (or DOCKER_HOST) at a running daemon.");
        }

        // A tcp:// endpoint is plain HTTP to Docker.DotNet.
        Uri endpoint = options.Endpoint.Scheme == "tcp" ? new UriBuilder(options.Endpoint) { Scheme = "http" }.Uri : options.Endpoint;
        // The client owns (and disposes) its configuration.
        var sandbox = new DockerSandbox(options, new DockerClientConfiguration(endpoint, defaultTimeout: options.ApiTimeout).CreateClient());
        try
        {
            try
            {
                using var ping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                ping.CancelAfter(TimeSpan.FromSeconds(10));
                VersionResponse version = await sandbox._client.System.GetVersionAsync(ping.Token).ConfigureAwait(false);
                sandbox._daemon = $"{version.Version}, API {version.APIVersion}";
            }
            catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
            {
                throw new SandboxUnavailableException(
                    $"docker sandbox unavailable: no Docker daemon answers at {options.Endpoint} ({Describe(ex)}); {Fix}.", ex);
            }

            try
            {
                await sandbox._client.Images.InspectImageAsync(options.Image, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
            {
                throw new SandboxUnavailableException(
                    $"docker sandbox unavailable: image {options.Image} not found; build it with eval/Sandbox/Docker/build-image.sh (as root).", ex);
            }

            await SandboxProbe.EnsureRunsAsync(
                sandbox, TimeSpan.FromSeconds(30), $"docker sandbox unavailable: a container of {options.Image} cannot run /usr/bin/true", cancellationToken).ConfigureAwait(false);
            return sandbox;
        }
        catch
        {
            sandbox.Dispose();
            throw;
        }
    }

    public async Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await _available.WaitAsync(cancellationToken).ConfigureAwait(false);
        string source = Path.Combine(_root, Interlocked.Increment(ref _runs).ToString(CultureInfo.InvariantCulture));
        try
        {
            await SandboxFile.WriteAllAsync(source, request.Files, cancellationToken).ConfigureAwait(false);

            return await RunContainerAsync(source, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
            _available.Release();
        }
    }

    public void Dispose()
    {
        // Every run removes its container; this catches any that a failed removal left behind.
        try
        {
            if (Volatile.Read(ref _created) > 0)
            {
                RemoveLeftoversAsync().GetAwaiter().GetResult();
            }
        }
        catch (Exception ex) when (IsDaemonFailure(ex))
        {
            // The daemon is gone. Any run whose container could not be removed already reported a sandbox error
            // naming it; `docker ps -a --filter label=codegen.eval.sandbox` finds them once the daemon is back.
            return;
        }
        finally
        {
            _client.Dispose();
            _available.Dispose();
            DeleteRoot();
        }
    }

    private void DeleteRoot()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in /tmp; holds only copies of programs.
            return;
        }
    }

    // Creates the container, runs it, and always removes it. A container that cannot be removed makes the run a
    // sandbox failure, as bwrap reports processes it cannot kill.
    private async Task<SandboxResult> RunContainerAsync(string source, SandboxRequest request, CancellationToken cancellationToken)
    {
        string id;
        try
        {
            Interlocked.Increment(ref _created);
            id = (await _client.Containers.CreateContainerAsync(CreateParameters(source, request), cancellationToken).ConfigureAwait(false)).ID;
        }
        catch (Exception ex) when (IsDaemonFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return Failed($"docker: cannot create a container: {Describe(ex)}");
        }

        SandboxResult result;
        string? removalError;
        try
        {
            result = await RunCreatedAsync(id, request.Limits, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsDaemonFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            // The daemon failed this run (it stopped, or refused the container): the outcome is unknown.
            result = Failed($"docker: {Describe(ex)}");
        }
        finally
        {
            // Always, a cancelled run included.
            removalError = await RemoveAsync(id).ConfigureAwait(false);
        }

        return removalError is null ? result : Failed($"container {id[..12]} could not be removed: {removalError}");
    }

    // Attaches to the created container, starts it, waits for it within the wall clock (SIGKILL at the limit) and
    // collects its outcome.
    private async Task<SandboxResult> RunCreatedAsync(string id, SandboxLimits limits, CancellationToken cancellationToken)
    {
        // Attached before the start, so no output is lost; read to the end whatever the program writes.
        using MultiplexedStream stream = await _client.Containers.AttachContainerAsync(
            id, false, new ContainerAttachParameters { Stream = true, Stdout = true, Stderr = true }, cancellationToken).ConfigureAwait(false);
        var stdout = new DockerOutput(limits.OutputBytes);
        var stderr = new DockerOutput(limits.OutputBytes);
        Task reading = ReadOutputAsync(stream, stdout, stderr);

        await _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), cancellationToken).ConfigureAwait(false);

        // The wall clock starts once the container runs: creating and starting it is not the program's time.
        var stopwatch = Stopwatch.StartNew();
        bool timedOut = false;
        long status;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            timeout.CancelAfter(limits.Timeout);
            try
            {
                status = (await _client.Containers.WaitContainerAsync(id, timeout.Token).ConfigureAwait(false)).StatusCode;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                timedOut = true;
                await KillAsync(id).ConfigureAwait(false);
                status = (await _client.Containers.WaitContainerAsync(id, CancellationToken.None).ConfigureAwait(false)).StatusCode;
            }
        }

        TimeSpan duration = stopwatch.Elapsed;

        // The attach stream ends when the container does; give the last bytes a moment, then drop the stream.
        if (await Task.WhenAny(reading, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false) != reading)
        {
            stream.Dispose();
        }

        await reading.ConfigureAwait(false);
        ContainerInspectResponse inspect = await _client.Containers.InspectContainerAsync(id, CancellationToken.None).ConfigureAwait(false);
        int exitCode = (int)status;
        if (!timedOut && exitCode == LaunchFailure && stderr.Text.Contains("ulimit", StringComparison.Ordinal))
        {
            return Failed($"sandbox launch failed (exit {exitCode}): {stderr.Text.Trim()}");
        }

        return new SandboxResult(
            timedOut ? null : exitCode,
            timedOut || exitCode == 128 + 24, // SIGXCPU: RLIMIT_CPU ran out.
            inspect.State?.OOMKilled == true,
            stdout.Text,
            stderr.Text,
            stdout.Truncated || stderr.Truncated,
            duration);
    }

    private CreateContainerParameters CreateParameters(string source, SandboxRequest request)
    {
        SandboxLimits limits = request.Limits;
        var environment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin:/bin",
            ["HOME"] = "/work",
            ["TMPDIR"] = "/tmp",
            ["LANG"] = "C.UTF-8",
        };
        foreach ((string name, string value) in request.Environment ?? new Dictionary<string, string>())
        {
            environment[name] = value;
        }

        string tmpfs = $"rw,noexec,nosuid,nodev,size={_options.TmpfsBytes},mode=1777";
        long addressSpaceKiB = limits.AddressSpaceBytes / 1024;
        return new CreateContainerParameters
        {
            Name = $"codegen-eval-{_instance}-{Guid.NewGuid().ToString("N")[..8]}",
            Image = _options.Image,
            Entrypoint = ["/bin/sh", "-c", Launcher, "sh", addressSpaceKiB.ToString(CultureInfo.InvariantCulture)],
            Cmd = [.. request.Command],
            User = $"{_options.Uid}:{_options.Uid}",
            WorkingDir = "/work",
            Hostname = "sandbox",
            Env = [.. environment.Select(e => $"{e.Key}={e.Value}")],
            Labels = new Dictionary<string, string> { [Label] = _instance },
            AttachStdout = true,
            AttachStderr = true,
            AttachStdin = false,
            OpenStdin = false,
            Tty = false,
            HostConfig = new HostConfig
            {
                NetworkMode = "none",
                ReadonlyRootfs = true,
                Binds = [$"{source}:/src:ro", .. _options.ReadOnlyPaths.Select(p => $"{p}:{p}:ro")],
                Tmpfs = new Dictionary<string, string> { ["/work"] = tmpfs, ["/tmp"] = tmpfs },
                IpcMode = "private",
                ShmSize = 16L << 20,
                CapDrop = ["ALL"],
                SecurityOpt = ["no-new-privileges"],
                Memory = limits.MemoryBytes,
                MemorySwap = limits.MemoryBytes, // memory + swap: no swap at all.
                PidsLimit = limits.Processes,
                NanoCPUs = (long)(_options.Cpus * 1e9),
                Ulimits =
                [
                    new Ulimit { Name = "cpu", Soft = limits.CpuSeconds, Hard = limits.CpuHardSeconds },
                    new Ulimit { Name = "fsize", Soft = limits.FileSizeBytes, Hard = limits.FileSizeBytes },
                    new Ulimit { Name = "nofile", Soft = limits.OpenFiles, Hard = limits.OpenFiles },
                    new Ulimit { Name = "core", Soft = 0, Hard = 0 },
                ],
                // Output comes through the attach stream, capped; a log driver would store a flood on disk.
                LogConfig = new LogConfig { Type = "none" },
                AutoRemove = false, // removed by us once inspected
                Privileged = false,
            },
        };
    }

    // Demultiplexes the attach stream into the two capped outputs until it ends (or is disposed).
    private static async Task ReadOutputAsync(MultiplexedStream stream, DockerOutput stdout, DockerOutput stderr)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                MultiplexedStream.ReadResult read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, CancellationToken.None).ConfigureAwait(false);
                if (read.EOF)
                {
                    return;
                }

                (read.Target == MultiplexedStream.TargetStream.StandardError ? stderr : stdout).Append(buffer, read.Count);
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or IOException)
        {
            // The stream was dropped after the container ended (see RunContainerAsync): what arrived is kept.
            return;
        }
    }

    private async Task KillAsync(string id)
    {
        try
        {
            await _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = "KILL" }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.Conflict)
        {
            // 409: it exited on its own between the timeout and the kill.
            return;
        }
    }

    // Force-removes a container (killing it if it still runs); returns why it failed, or null.
    private async Task<string?> RemoveAsync(string id)
    {
        try
        {
            await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, CancellationToken.None).ConfigureAwait(false);
            return null;
        }
        catch (DockerApiException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
            return null;
        }
        catch (Exception ex) when (IsDaemonFailure(ex))
        {
            return Describe(ex);
        }
    }

    private async Task RemoveLeftoversAsync()
    {
        IList<ContainerListResponse> left = await _client.Containers.ListContainersAsync(
            new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"{Label}={_instance}"] = true } },
            },
            CancellationToken.None).ConfigureAwait(false);
        foreach (ContainerListResponse container in left)
        {
            await RemoveAsync(container.ID).ConfigureAwait(false);
        }
    }

    private static bool IsConnectionFailure(Exception ex) =>
        ex is HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException;

    // The daemon is unreachable, timed out, or answered with an error.
    private static bool IsDaemonFailure(Exception ex) => IsConnectionFailure(ex) || ex is DockerApiException;

    // The innermost message, which names the actual cause (connection refused, no such file, ...).
    private static string Describe(Exception ex)
    {
        if (ex is DockerApiException api)
        {
            return $"{(int)api.StatusCode} {api.ResponseBody.Trim()}";
        }

        Exception inner = ex;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner is OperationCanceledException ? "timed out" : inner.Message;
    }

    private static SandboxResult Failed(string error) => new(null, false, false, "", "", false, TimeSpan.Zero, error);
}
