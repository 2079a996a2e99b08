namespace CodeGen.Eval.Sandbox;

// How the bubblewrap sandbox is set up.
internal sealed record BubblewrapOptions
{
    // The bwrap executable. Default: Debian's /usr/bin/bwrap (package bubblewrap).
    public string BwrapPath { get; init; } = "/usr/bin/bwrap";

    // Concurrent runs; each gets its own uid and cgroups. Default 1.
    public int Slots { get; init; } = 1;

    // Slot i runs as host uid FirstUid + i (when we are root); no account needs to exist for it. Default 62000,
    // a range no Debian package or login uses.
    public int FirstUid { get; init; } = 62000;

    // Host directories bound read-only at the same path besides /usr (for example a dotnet installed
    // elsewhere). Default none.
    public IReadOnlyList<string> ReadOnlyPaths { get; init; } = [];

    // Use memory and pids cgroups where the host allows. Default true.
    public bool UseCgroups { get; init; } = true;
}
