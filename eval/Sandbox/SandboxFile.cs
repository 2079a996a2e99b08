namespace CodeGen.Eval.Sandbox;

// A file placed read-only under /src in the sandbox.
// Name: a plain file name (no directories), such as "main.py".
internal sealed record SandboxFile(string Name, byte[] Content)
{
    public static SandboxFile FromText(string name, string text) => new(name, System.Text.Encoding.UTF8.GetBytes(text));

    // Creates directory (rwxr-xr-x) holding the files (rw-r--r--): what a sandbox mounts read-only at /src.
    // Throws ArgumentException for a name that is not a plain file name.
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public static async Task WriteAllAsync(string directory, IEnumerable<SandboxFile> files, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        foreach (SandboxFile file in files)
        {
            if (file.Name.Contains('/', StringComparison.Ordinal) || file.Name is "." or "..")
            {
                throw new ArgumentException($"Sandbox file names are plain names, got '{file.Name}'.", nameof(files));
            }

            string path = Path.Combine(directory, file.Name);
            await File.WriteAllBytesAsync(path, file.Content, cancellationToken).ConfigureAwait(false);
            File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
        }
    }
}
