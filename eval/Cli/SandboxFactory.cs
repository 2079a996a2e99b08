using CodeGen.Eval.Execution;
using CodeGen.Eval.Sandbox;

namespace CodeGen.Eval.Cli;

// Builds the sandbox the command line asks for, or throws SandboxUnavailableException: never a fallback to
// running on the host.
internal static class SandboxFactory
{
    public static readonly IReadOnlyList<string> Kinds = ["bwrap", "docker"];

    public static async Task<ISandbox> CreateAsync(string kind, int parallel, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SandboxUnavailableException("Sandboxed execution needs Linux; refusing to run generated code.");
        }

        switch (kind)
        {
            case "bwrap":
                // The dotnet host runs C# samples; bind it when it lives outside /usr.
                string dotnet = CSharpExecutor.DotnetRoot.TrimEnd('/');
                IReadOnlyList<string> extra = dotnet.StartsWith("/usr/", StringComparison.Ordinal) ? [] : [dotnet];
                return await BubblewrapSandbox.CreateAsync(new BubblewrapOptions { Slots = parallel, ReadOnlyPaths = extra }, cancellationToken).ConfigureAwait(false);
            case "docker":
                throw new SandboxUnavailableException("The docker sandbox is not implemented in this build; use --sandbox bwrap.");
            default:
                throw new SandboxUnavailableException($"Unknown sandbox '{kind}'; expected one of {string.Join(", ", Kinds)}.");
        }
    }
}
