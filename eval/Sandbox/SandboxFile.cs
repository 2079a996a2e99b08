namespace CodeGen.Eval.Sandbox;

// A file placed read-only under /src in the sandbox.
// Name: a plain file name (no directories), such as "main.py".
internal sealed record SandboxFile(string Name, byte[] Content)
{
    public static SandboxFile FromText(string name, string text) => new(name, System.Text.Encoding.UTF8.GetBytes(text));
}
