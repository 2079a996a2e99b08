using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CodeGen.Bench.Lsp;

/// <summary>
/// A repository split by file for the LSP benchmarks: a stable hash of each path puts one file in
/// <see cref="HeldOutShare"/> in the held-out set (the files completions are asked about), the rest make the
/// workspace that repository context comes from. Cursor positions are line starts (after the indentation) of
/// held-out lines long enough to be worth predicting; the line itself is removed from the document, so
/// neither the prefix nor the suffix gives it away.
/// </summary>
internal static partial class HeldOutFiles
{
    public const int HeldOutShare = 5;

    /// <summary>Source folders of this repository that the benchmark reads (its tests and build output are left out).</summary>
    public static readonly string[] SourceFolders = ["model", "server", "lsp", "eval", "training", "web", "bench"];

    /// <summary>A cursor for the benchmark: the document without the line, the cursor offset, the line's text after its indentation.</summary>
    public sealed record Target(string Path, string Document, int Offset, string Line);

    /// <summary>Whether a relative path (with '/') is held out.</summary>
    public static bool IsHeldOut(string relativePath)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(relativePath));
        return hash[0] % HeldOutShare == 0;
    }

    /// <summary>The .cs files under the source folders of root, relative with '/', sorted; bin/ and obj/ skipped.</summary>
    public static IReadOnlyList<string> SourceFiles(string root) =>
        [.. SourceFolders
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Contains("/bin/", StringComparison.Ordinal) && !path.Contains("/obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// <summary>
    /// Up to perFile targets in text: every line past the first ten whose trimmed text has at least minChars
    /// characters, evenly spaced through the file.
    /// </summary>
    public static IReadOnlyList<Target> Targets(string path, string text, int perFile, int minChars)
    {
        text = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        string[] lines = text.Split('\n');
        var candidates = new List<int>();
        for (int i = 10; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length >= minChars) candidates.Add(i);
        }

        var targets = new List<Target>();
        for (int k = 0; k < Math.Min(perFile, candidates.Count); k++)
        {
            int line = candidates[(int)((long)k * candidates.Count / Math.Min(perFile, candidates.Count))];
            int lineStart = lines.Take(line).Sum(l => l.Length + 1);
            string indent = lines[line][..(lines[line].Length - lines[line].TrimStart().Length)];
            string document = text[..(lineStart + indent.Length)] + text[(lineStart + lines[line].Length)..];
            targets.Add(new Target(path, document, lineStart + indent.Length, lines[line].Trim()));
        }

        return targets;
    }

    /// <summary>Whether the suggestion's first line is the line (both trimmed).</summary>
    public static bool LineMatches(string suggestion, string line) =>
        suggestion.Split('\n')[0].Trim() == line.Trim();

    /// <summary>Whether the suggestion's first identifier is the line's first identifier (false when the line has none).</summary>
    public static bool IdentifierMatches(string suggestion, string line) =>
        FirstIdentifier(line) is { } expected && FirstIdentifier(suggestion) == expected;

    public static string? FirstIdentifier(string text) => Identifier().Match(text) is { Success: true } m ? m.Value : null;

    [GeneratedRegex(@"[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex Identifier();
}
