using System.Text.RegularExpressions;

namespace CodeGen.Training.Data;

// The license of each file of an installed Debian package, from the package's machine-readable
// copyright file (DEP-5: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).
// As DEP-5 says, the last Files paragraph whose pattern matches a file decides its license. The
// patterns name paths in the source tree, the files are installed paths (requests/api.py for
// the pattern src/requests/*), so a pattern also matches when it does with leading folders
// removed. Short names become SPDX ids where we know them. A file that is not DEP-5 gives
// "unknown" for every path.
internal sealed class DebianCopyright
{
    public const string FileName = "copyright";

    private readonly List<(Regex[] Patterns, string License)> _paragraphs;

    private static readonly Dictionary<string, string> Spdx = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Expat"] = "MIT",
        ["MIT"] = "MIT",
        ["Apache-2.0"] = "Apache-2.0",
        ["Apache-2"] = "Apache-2.0",
        ["Apache"] = "Apache-2.0",
        ["BSD-2-clause"] = "BSD-2-Clause",
        ["BSD-3-clause"] = "BSD-3-Clause",
        ["BSD-3"] = "BSD-3-Clause",
        ["BSD-2"] = "BSD-2-Clause",
        ["PSF-2"] = "PSF-2.0",
        ["PSF-2.0"] = "PSF-2.0",
        ["PSF"] = "PSF-2.0",
        ["Python"] = "PSF-2.0",
        ["ISC"] = "ISC",
        ["Zlib"] = "Zlib",
        ["0BSD"] = "0BSD",
    };

    private DebianCopyright(List<(Regex[] Patterns, string License)> paragraphs) => _paragraphs = paragraphs;

    public static DebianCopyright Parse(string text)
    {
        List<(Regex[] Patterns, string License)> paragraphs = [];
        if (text.StartsWith("Format:", StringComparison.Ordinal) && text.Contains("copyright-format", StringComparison.Ordinal))
        {
            foreach (Dictionary<string, string> paragraph in Paragraphs(text))
            {
                if (paragraph.TryGetValue("Files", out string? files) && paragraph.TryGetValue("License", out string? license))
                {
                    Regex[] patterns = [.. files.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries).Select(Glob)];
                    paragraphs.Add((patterns, Normalize(license)));
                }
            }
        }

        return new DebianCopyright(paragraphs);
    }

    // The license of an installed file, by its path relative to the copyright file's folder.
    public string LicenseOf(string relativePath)
    {
        string license = LicenseDetector.Unknown;
        foreach ((Regex[] patterns, string paragraphLicense) in _paragraphs)
        {
            if (patterns.Any(pattern => pattern.IsMatch(relativePath)))
            {
                license = paragraphLicense;
            }
        }

        return license;
    }

    // A DEP-5 pattern ('*' any characters including '/', '?' one character), which also matches
    // with leading folders removed as long as what remains starts with a literal name
    // (src/requests/* also as requests/*, never as *).
    private static Regex Glob(string pattern)
    {
        string[] parts = pattern.TrimStart('.', '/').Split('/');
        IEnumerable<string> suffixes = Enumerable.Range(0, parts.Length)
            .Where(k => k == 0 || parts[k].IndexOfAny(['*', '?']) < 0)
            .Select(k => Regex.Escape(string.Join('/', parts[k..])).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal));
        return new Regex("^(?:" + string.Join('|', suffixes) + ")$", RegexOptions.CultureInvariant);
    }

    // "Expat" -> "MIT"; "A or B" -> the first of them that is permissive; "A and B" -> "A AND B"
    // (permissive when each is); an unknown name stays as written.
    public static string Normalize(string license)
    {
        string name = license.Trim();
        string[] alternatives = name.Split(" or ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (alternatives.Length > 1)
        {
            return alternatives.Select(Normalize).FirstOrDefault(LicenseDetector.IsPermissive) ?? name;
        }

        string[] all = name.Split(" and ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (all.Length > 1)
        {
            string[] each = [.. all.Select(Normalize).Distinct()];
            return each.Length == 1 ? each[0] : string.Join(" AND ", each);
        }

        return Spdx.TryGetValue(name, out string? spdx) ? spdx : name;
    }

    // Paragraphs separated by blank lines; a field's continuation lines (leading space) are
    // joined to it, and only the first line of License (the short name) is kept.
    private static IEnumerable<Dictionary<string, string>> Paragraphs(string text)
    {
        Dictionary<string, string> current = new(StringComparer.OrdinalIgnoreCase);
        string? field = null;
        foreach (string raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.Trim().Length == 0)
            {
                if (current.Count > 0)
                {
                    yield return current;
                }

                current = new(StringComparer.OrdinalIgnoreCase);
                field = null;
                continue;
            }

            if (char.IsWhiteSpace(raw[0]))
            {
                if (field == "Files")
                {
                    current[field] += "\n" + raw.Trim();
                }

                continue;
            }

            int colon = raw.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            field = raw[..colon].Trim();
            current[field] = raw[(colon + 1)..].Trim();
        }

        if (current.Count > 0)
        {
            yield return current;
        }
    }
}
