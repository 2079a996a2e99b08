using System.Globalization;

namespace CodeGen.Server.Engine;

/// <summary>
/// <c>--kv-cache-memory</c>: the KV pool's size as bytes ("8GiB", "512MiB", "1.5GB", "1048576") or as a fraction
/// of the memory available when the server starts ("0.25").
/// </summary>
internal static class KvCacheMemory
{
    /// <summary>Default: a quarter of the available memory (capped by what max-batch sequences of max-context need).</summary>
    public const string Default = "0.25";

    /// <summary>Bytes for <paramref name="spec"/>; <paramref name="availableBytes"/> resolves a fraction.</summary>
    /// <exception cref="ArgumentException">Not a size or fraction (named).</exception>
    public static long Parse(string spec, long availableBytes)
    {
        string s = spec.Trim();
        if (IsFraction(s, out double fraction)) return (long)(fraction * availableBytes);
        (string unit, double scale)[] units =
        [
            ("TiB", 1L << 40), ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10),
            ("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("KB", 1e3), ("B", 1),
        ];
        foreach ((string unit, double scale) in units)
        {
            if (s.EndsWith(unit, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(s[..^unit.Length].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0)
                return (long)(value * scale);
        }
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long bytes) && bytes > 0) return bytes;
        throw new ArgumentException($"--kv-cache-memory '{spec}' is neither a size (e.g. 8GiB, 512MiB, 1048576) nor a fraction of available memory in (0, 1] (e.g. 0.25)");
    }

    /// <summary>Whether <paramref name="spec"/> is a fraction of available memory (a decimal in (0, 1]) rather than a size.</summary>
    public static bool IsFraction(string spec, out double fraction) =>
        double.TryParse(spec.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out fraction) && fraction is > 0 and <= 1 && spec.Contains('.');

    /// <summary>MemAvailable from /proc/meminfo, or the GC's view of total memory where that file is missing.</summary>
    public static long AvailableBytes()
    {
        const string path = "/proc/meminfo";
        if (File.Exists(path))
        {
            foreach (string line in File.ReadLines(path))
            {
                if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && long.TryParse(parts[1], out long kib)) return kib * 1024;
            }
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
