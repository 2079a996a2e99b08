namespace CodeGen.Training.Data;

// Attributes files under one input root to an origin and a license.
//  - If the root holds MANIFEST.tsv (columns repo, commit, license, ...), each top-level
//    folder "owner__name" is the manifest row whose repo is "owner/name".
//  - Otherwise the nearest LICENSE/COPYING file, in the file's folder or a parent up to the
//    root, is classified by text markers; the origin is the root folder's name.
//  - A Debian package's machine-readable copyright file (DEP-5, /usr/share/doc/PKG/copyright,
//    copied beside the package's installed files) counts as a license file too: the last Files
//    paragraph whose pattern matches a file's path names its license, and the origin is
//    "debian:" + the folder holding the copyright file (the package name).
internal sealed class LicenseDetector
{
    public const string Unknown = "unknown";

    private static readonly string[] LicenseFileNames =
        ["LICENSE", "LICENSE.txt", "LICENSE.md", "LICENCE", "COPYING", "COPYING.txt", DebianCopyright.FileName];

    // Licenses whose files may be trained on (the corpus drops every other file).
    public static readonly IReadOnlySet<string> Permissive = new HashSet<string>(StringComparer.Ordinal)
        { "MIT", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "PSF-2.0", "ISC", "Zlib", "0BSD" };

    // True for a permissive license, or a conjunction "A AND B" of them.
    public static bool IsPermissive(string license) =>
        license.Split(" AND ", StringSplitOptions.TrimEntries).All(Permissive.Contains);

    private readonly string _root;
    private readonly string _rootName;
    private readonly Dictionary<string, SourceOrigin>? _manifest;
    private readonly Dictionary<string, LicenseSource> _sourceByDirectory = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public LicenseDetector(string root)
    {
        _root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        _rootName = Path.GetFileName(_root);
        string manifest = Path.Combine(_root, "MANIFEST.tsv");
        _manifest = File.Exists(manifest) ? ReadManifest(manifest) : null;
    }

    // Top-level folder name ("owner__name") -> origin and license, from a MANIFEST.tsv
    // whose header names the columns repo and license.
    public static Dictionary<string, SourceOrigin> ReadManifest(string path)
    {
        string[] lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new InvalidDataException($"{path} is empty; expected a header with the columns repo and license.");
        }

        string[] header = lines[0].Split('\t');
        int repo = Array.IndexOf(header, "repo");
        int license = Array.IndexOf(header, "license");
        if (repo < 0 || license < 0)
        {
            throw new InvalidDataException($"{path}: header '{lines[0]}' lacks the columns repo and license.");
        }

        Dictionary<string, SourceOrigin> rows = new(StringComparer.Ordinal);
        foreach (string line in lines.Skip(1).Where(l => l.Length > 0))
        {
            string[] cells = line.Split('\t');
            if (cells.Length <= Math.Max(repo, license))
            {
                throw new InvalidDataException($"{path}: row '{line}' has {cells.Length} columns, expected at least {Math.Max(repo, license) + 1}.");
            }

            string name = cells[repo];
            rows[name.Replace("/", "__", StringComparison.Ordinal)] = new SourceOrigin(name, cells[license].Length > 0 ? cells[license] : Unknown);
        }

        return rows;
    }

    // The SPDX id a license text declares, by markers, or "unknown".
    public static string Classify(string licenseText)
    {
        bool Has(string marker) => licenseText.Contains(marker, StringComparison.OrdinalIgnoreCase);

        if (Has("PYTHON SOFTWARE FOUNDATION LICENSE"))
        {
            return "PSF-2.0";
        }

        if (Has("Apache License") && Has("Version 2.0"))
        {
            return "Apache-2.0";
        }

        if (Has("MIT License") || Has("Permission is hereby granted, free of charge"))
        {
            return "MIT";
        }

        if (Has("Redistribution and use in source and binary forms"))
        {
            return Has("Neither the name") || Has("names of its contributors") ? "BSD-3-Clause" : "BSD-2-Clause";
        }

        return Unknown;
    }

    // Origin and license of file, which lies under the root.
    public SourceOrigin Detect(string file)
    {
        string relative = Path.GetRelativePath(_root, Path.GetFullPath(file));
        if (_manifest is not null)
        {
            int separator = relative.IndexOfAny(['/', '\\']);
            string top = separator < 0 ? relative : relative[..separator];
            return _manifest.TryGetValue(top, out SourceOrigin? origin) ? origin : new SourceOrigin(_rootName, Unknown);
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        LicenseSource source = SourceOf(directory);
        return source.Debian is null ? source.Origin
            : source.Origin with { License = source.Debian.LicenseOf(Path.GetRelativePath(source.Directory, Path.GetFullPath(file)).Replace('\\', '/')) };
    }

    // The license file that governs a folder: a fixed origin, or a Debian copyright file that
    // decides per file.
    private sealed record LicenseSource(string Directory, SourceOrigin Origin, DebianCopyright? Debian);

    private LicenseSource SourceOf(string directory)
    {
        lock (_lock)
        {
            if (_sourceByDirectory.TryGetValue(directory, out LicenseSource? cached))
            {
                return cached;
            }
        }

        string? licenseFile = LicenseFileNames.Select(name => Path.Combine(directory, name)).FirstOrDefault(File.Exists);
        string? parent = Path.GetDirectoryName(directory);
        bool atRoot = string.Equals(directory, _root, StringComparison.Ordinal) || parent is null || !directory.StartsWith(_root, StringComparison.Ordinal);
        LicenseSource source = licenseFile is null
            ? (atRoot ? new LicenseSource(directory, new SourceOrigin(_rootName, Unknown), null) : SourceOf(parent!))
            : Path.GetFileName(licenseFile) == DebianCopyright.FileName
                ? new LicenseSource(directory, new SourceOrigin("debian:" + Path.GetFileName(directory), Unknown), DebianCopyright.Parse(File.ReadAllText(licenseFile)))
                : new LicenseSource(directory, new SourceOrigin(_rootName, Classify(File.ReadAllText(licenseFile))), null);

        lock (_lock)
        {
            _sourceByDirectory[directory] = source;
        }

        return source;
    }
}
