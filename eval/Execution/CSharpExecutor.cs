using System.Runtime.InteropServices;
using System.Text;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Execution;

// Compiles a C# program in this process (CSharpCompiler) and runs the assembly with the dotnet host inside the
// sandbox: `dotnet /src/main.dll` with a runtimeconfig naming this process's runtime. A failed Debug.Assert
// prints "Assertion failed" and aborts: status failed.
// structural: rewrite MultiPL-E's .Equals asserts (see CSharpCompiler); false only to show the data's defect.
internal sealed class CSharpExecutor(ISandbox sandbox, CSharpCompiler compiler, bool structural = true) : IExecutor
{
    // The .NET runtime reserves address space far beyond what it touches (GC regions, code heaps), so
    // RLIMIT_AS is raised to 8 GiB; real use is held by the GC heap limit below and by the memory cgroup.
    private const long AddressSpaceBytes = 8L << 30;

    private static readonly Dictionary<string, string> DotnetEnvironment = new()
    {
        ["DOTNET_ROOT"] = DotnetRoot,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
        ["DOTNET_EnableDiagnostics"] = "0", // no diagnostic IPC socket, debugger or profiler attach
        ["DOTNET_GCHeapHardLimit"] = "0x10000000", // 256 MiB of managed heap
        ["DOTNET_TieredPGO"] = "0", // short programs: skip instrumentation
        ["DOTNET_TC_QuickJitForLoops"] = "1",
        ["DOTNET_gcServer"] = "0",
        ["DOTNET_LTTng"] = "0", // do not try to load the LTTng tracing provider (liblttng-ust) at start-up
    };

    // The directory holding the dotnet host and shared/: three levels above this runtime's directory
    // (<root>/shared/Microsoft.NETCore.App/<version>/).
    public static string DotnetRoot => Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));

    public async Task<ExecutionResult> ExecuteAsync(string program, TimeSpan timeout, CancellationToken cancellationToken)
    {
        CSharpCompilationResult compiled = compiler.Compile(program, structural);
        if (!compiled.Succeeded)
        {
            return new ExecutionResult(ExecutionStatus.CompileError, null, compiled.Duration, "", compiled.Diagnostics, compiled.Duration);
        }

        var request = new SandboxRequest(
            [new SandboxFile("main.dll", compiled.Assembly!), SandboxFile.FromText("main.runtimeconfig.json", RuntimeConfig)],
            [Path.Combine(DotnetRoot, "dotnet"), "/src/main.dll"],
            new SandboxLimits { Timeout = timeout, AddressSpaceBytes = AddressSpaceBytes },
            DotnetEnvironment);
        SandboxResult result = await sandbox.RunAsync(request, cancellationToken).ConfigureAwait(false);
        return new ExecutionResult(Classify(result), result.ExitCode, compiled.Duration + result.Duration, result.Stdout, PythonExecutor.Describe(result), compiled.Duration);
    }

    public static ExecutionStatus Classify(SandboxResult result)
    {
        if (result.Error is not null)
        {
            return ExecutionStatus.SandboxError;
        }

        if (result.TimedOut)
        {
            return ExecutionStatus.Timeout;
        }

        if (result.ExitCode == 0)
        {
            return ExecutionStatus.Passed;
        }

        return result.Stderr.Contains("Assertion failed", StringComparison.Ordinal) || result.Stdout.Contains("Assertion failed", StringComparison.Ordinal)
            ? ExecutionStatus.Failed
            : ExecutionStatus.RuntimeError;
    }

    private static string RuntimeConfig => new StringBuilder()
        .Append("{\"runtimeOptions\":{\"tfm\":\"net").Append(Environment.Version.Major).Append('.').Append(Environment.Version.Minor)
        .Append("\",\"framework\":{\"name\":\"Microsoft.NETCore.App\",\"version\":\"").Append(CSharpCompiler.RuntimeVersion)
        .Append("\"},\"configProperties\":{\"System.Globalization.Invariant\":true,\"System.GC.Concurrent\":false}}}")
        .ToString();
}
