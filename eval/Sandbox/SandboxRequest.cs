namespace CodeGen.Eval.Sandbox;

// One program run: the files it needs, the command line (absolute path first) and its limits.
// Environment: variables set inside the sandbox; nothing from the host's environment is passed.
internal sealed record SandboxRequest(
    IReadOnlyList<SandboxFile> Files,
    IReadOnlyList<string> Command,
    SandboxLimits Limits,
    IReadOnlyDictionary<string, string>? Environment = null);
