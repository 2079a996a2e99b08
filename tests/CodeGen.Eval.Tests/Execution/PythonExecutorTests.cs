using CodeGen.Eval.Execution;

namespace CodeGen.Eval.Tests.Execution;

[Collection(SandboxCollection.Name)]
public sealed class PythonExecutorTests(SandboxFixture fixture)
{
    [Theory]
    [InlineData("print('ok')\n", "passed", 0)]
    [InlineData("assert 1 + 1 == 3\n", "failed", 1)]
    [InlineData("raise ValueError('boom')\n", "runtime_error", 1)]
    [InlineData("def f(:\n    pass\n", "compile_error", 1)]
    [InlineData("def f():\nreturn 1\n", "compile_error", 1)]
    [InlineData("import sys\nsys.exit(3)\n", "runtime_error", 3)]
    [InlineData("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "runtime_error", 137)]
    public async Task ExecuteAsync_Program_ReportsStatusAndExitCode(string program, string status, int exitCode)
    {
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox).ExecuteAsync(program, TimeSpan.FromSeconds(3), CancellationToken.None);

        Assert.Equal(status, result.Status.ToName());
        Assert.Equal(exitCode, result.ExitCode);
    }

    [Fact]
    public async Task ExecuteAsync_IsolatedMode_NoSitePackagesNoHostEnvironment()
    {
        ExecutionResult result = await new PythonExecutor(fixture.Sandbox).ExecuteAsync(
            "import sys, os\nprint(sys.flags.isolated, sys.flags.no_site, 'site' in sys.modules, sorted(os.environ))\n",
            TimeSpan.FromSeconds(3),
            CancellationToken.None);

        Assert.Equal(ExecutionStatus.Passed, result.Status);
        Assert.Equal("1 1 False ['HOME', 'LANG', 'PATH', 'PWD', 'PYTHONDONTWRITEBYTECODE', 'PYTHONHASHSEED', 'TMPDIR']\n", result.Stdout);
    }
}
