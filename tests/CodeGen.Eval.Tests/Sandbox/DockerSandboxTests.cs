using System.Diagnostics;
using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Tests.Sandbox;

// The abuse cases (SandboxAbuseTests) against Docker, and what is particular to it: C#, parallel containers,
// the memory cgroup, containers always removed, a missing image.
[Collection(DockerCollection.Name)]
[Trait("Category", "Docker")]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DockerSandboxTests(DockerFixture fixture) : SandboxAbuseTests
{
    internal override ISandbox Sandbox => fixture.Sandbox;

    // The image's own root (a minimal Debian), /src and the tmpfs /work; nothing of the host.
    protected override string ExpectedRootListing =>
        "['.dockerenv', 'bin', 'boot', 'dev', 'etc', 'home', 'lib', 'lib64', 'media', 'mnt', 'opt', 'proc', 'root', 'run', 'sbin', 'src', 'srv', 'sys', 'tmp', 'usr', 'var', 'work']\n";

    // /root, /etc/passwd and /home exist in the image (its own), so only host paths the image lacks are listed.
    protected override IReadOnlyList<string> HostOnlyPaths => ["/work/main", "/root/.nuget", "/var/log/codegen-dockerd.log"];

    // Containers of the fixture's sandbox, and host processes running as the containers' uid.
    protected override async Task<List<string>> LeftoversAsync() =>
        [.. await DockerFixture.LabelledContainersAsync(fixture.Sandbox.Instance), .. await ProcessesOfUidsAsync(DockerFixture.Uid, 1, () => { })];

    [Theory]
    [InlineData("print('ok')\n", "passed", 0)]
    [InlineData("assert 1 + 1 == 3\n", "failed", 1)]
    [InlineData("raise ValueError('boom')\n", "runtime_error", 1)]
    [InlineData("def f(:\n    pass\n", "compile_error", 1)]
    [InlineData("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "runtime_error", 137)]
    public async Task ExecuteAsync_Python_ReportsStatusAndExitCode(string program, string status, int exitCode)
    {
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox).ExecuteAsync(program, TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.Equal((status, (int?)exitCode), (result.Status.ToName(), result.ExitCode));
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task ExecuteAsync_Python_RunsAsSandboxUserWithOnlyOurEnvironment()
    {
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox).ExecuteAsync(
            "import os, sys\nprint(os.getuid(), os.getgid(), os.getcwd(), sys.flags.isolated, sorted(os.environ))\n",
            TimeSpan.FromSeconds(3),
            CancellationToken.None);

        Assert.Equal(ExecutionStatus.Passed, result.Status);
        // Docker itself adds HOSTNAME (the container's, "sandbox"); the launching sh adds PWD, as under bwrap.
        Assert.Equal("61000 61000 /work 1 ['HOME', 'HOSTNAME', 'LANG', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'TMPDIR']\n", result.Stdout);
    }

    [Fact]
    public async Task ExecuteAsync_CSharp_PassesAndFailedAssertIsFailed()
    {
        var executor = new CSharpExecutor(fixture.Sandbox, new CSharpCompiler());
        const string Program = """
            using System;
            using System.Diagnostics;
            class Program {
                static int Add(int a, int b) => a + b;
                static void Main() {
                    Console.WriteLine(Add(2, 3));
                    Debug.Assert(Add(2, 3) == EXPECTED);
                }
            }
            """;

        ExecutionResult passed = await executor.ExecuteAsync(Program.Replace("EXPECTED", "5", StringComparison.Ordinal), TimeSpan.FromSeconds(10), CancellationToken.None);
        ExecutionResult failed = await executor.ExecuteAsync(Program.Replace("EXPECTED", "6", StringComparison.Ordinal), TimeSpan.FromSeconds(10), CancellationToken.None);

        Assert.Equal((ExecutionStatus.Passed, "5\n"), (passed.Status, passed.Stdout));
        Assert.Equal(ExecutionStatus.Failed, failed.Status);
        Assert.Contains("Assertion failed", failed.Stderr, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_TwoSlots_ContainersRunInParallel()
    {
        var request = new SandboxRequest([], [PythonExecutor.DefaultInterpreter, "-c", "import time; time.sleep(2)"], new SandboxLimits { Timeout = TimeSpan.FromSeconds(10) });
        var stopwatch = Stopwatch.StartNew();

        SandboxResult[] results = await Task.WhenAll(fixture.Sandbox.RunAsync(request, CancellationToken.None), fixture.Sandbox.RunAsync(request, CancellationToken.None));

        // One after the other would take over 4 s (2 s of sleep each plus container start-up).
        Assert.All(results, r => Assert.Equal((0, (string?)null), (r.ExitCode, r.Error)));
        Assert.InRange(stopwatch.Elapsed, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_PastMemoryLimit_KilledAndReportedOutOfMemory()
    {
        // RLIMIT_AS well above the cgroup limit, so the memory cgroup is what stops the program.
        var limits = new SandboxLimits { MemoryBytes = 64L << 20, AddressSpaceBytes = 2L << 30 };
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox, limits: limits).ExecuteAsync(
            "b = bytearray(256 << 20)\nfor i in range(0, len(b), 4096):\n    b[i] = 1\nprint('touched')\n",
            TimeSpan.FromSeconds(10),
            CancellationToken.None);

        Assert.Equal((ExecutionStatus.RuntimeError, (int?)137, ""), (result.Status, result.ExitCode, result.Stdout));
        Assert.EndsWith("[killed: memory limit]", result.Stderr, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task RunAsync_BadFileName_ThrowsAndLeavesNothing()
    {
        var request = new SandboxRequest([SandboxFile.FromText("../escape.py", "print(1)")], [PythonExecutor.DefaultInterpreter, "/src/main.py"], new SandboxLimits());

        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => fixture.Sandbox.RunAsync(request, CancellationToken.None));

        Assert.StartsWith("Sandbox file names are plain names, got '../escape.py'.", ex.Message, StringComparison.Ordinal);
        await AssertHostCleanAndSandboxRunsAsync();
    }

    [Fact]
    public async Task CreateAsync_ImageMissing_ThrowsSandboxUnavailable()
    {
        SandboxUnavailableException ex = await Assert.ThrowsAsync<SandboxUnavailableException>(
            () => DockerSandbox.CreateAsync(new DockerOptions { Image = "codegen-eval-no-such-image:1" }, CancellationToken.None));

        Assert.Equal("docker sandbox unavailable: image codegen-eval-no-such-image:1 not found; build it with eval/Sandbox/Docker/build-image.sh (as root).", ex.Message);
    }
}
