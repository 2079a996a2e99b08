namespace CodeGen.Eval.Sandbox;

// Runs one untrusted program in isolation. Implementations never fall back to running on the host: when
// they cannot isolate, they throw SandboxUnavailableException (at creation) or report SandboxResult.Error.
internal interface ISandbox : IDisposable
{
    // A short name for logs and the store: "bwrap" or "docker".
    string Name { get; }

    // What isolation is in force (recorded with each run).
    string Description { get; }

    // Runs request.Command inside the sandbox with request.Files under /src (read-only) and a private, empty,
    // writable work directory /work as the current directory.
    Task<SandboxResult> RunAsync(SandboxRequest request, CancellationToken cancellationToken);
}
