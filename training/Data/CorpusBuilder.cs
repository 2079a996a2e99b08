using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using CodeGen.Training.Tokenizers;

namespace CodeGen.Training.Data;

// The corpus stage of pretraining: read -> quality filters -> license (permissive only) -> secrets redaction -> exact
// dedup -> near dedup -> decontamination. Documents stay in ordinal full-path order, so
// "first" (the copy dedup keeps) means first in that order.
internal static class CorpusBuilder
{
    // Runs every stage; log, if given, receives one line per finished stage.
    public static CorpusResult Build(CorpusOptions options, Action<string>? log = null)
    {
        Stopwatch stage = Stopwatch.StartNew();
        string[] roots = [.. options.Inputs.Select(root => Path.TrimEndingDirectorySeparator(Path.GetFullPath(root)))];
        Decontaminator decontaminator = LoadBenchmarks(options, roots);

        IReadOnlyList<FileInfo> files = CorpusFiles.Select(roots, [.. options.Extensions], maxBytes: null, [.. options.Excludes]);
        Dictionary<string, LicenseDetector> detectors = roots.Distinct(StringComparer.Ordinal).ToDictionary(root => root, root => new LicenseDetector(root), StringComparer.Ordinal);

        // Read, filter and redact in parallel; results land at the file's index to keep order.
        QualityFilter quality = new(options.Quality);
        QualityCheck[] checks = new QualityCheck[files.Count];
        RedactionResult?[] redactions = new RedactionResult?[files.Count];
        CorpusDocument?[] documents = new CorpusDocument?[files.Count];
        string?[] refusedLicenses = new string?[files.Count];
        Parallel.For(0, files.Count, i =>
        {
            FileInfo file = files[i];
            if (file.Length > options.Quality.MaxFileBytes)
            {
                checks[i] = QualityCheck.TooLarge;
                return;
            }

            checks[i] = quality.Check(File.ReadAllBytes(file.FullName), out string? text);
            if (checks[i] != QualityCheck.Passed)
            {
                return;
            }

            string root = RootOf(file.FullName, roots);
            SourceOrigin origin = detectors[root].Detect(file.FullName);
            if (options.PermissiveOnly && !LicenseDetector.IsPermissive(origin.License))
            {
                refusedLicenses[i] = origin.License;
                return;
            }

            RedactionResult redaction = SecretRedactor.Redact(text!);
            redactions[i] = redaction;
            documents[i] = new CorpusDocument(
                Path.GetRelativePath(root, file.FullName).Replace('\\', '/'),
                options.LanguageOf(file.FullName),
                origin.Origin,
                origin.License,
                Sha256Hex(redaction.Text),
                redaction.Text);
        });
        List<CorpusDocument> kept = [.. documents.OfType<CorpusDocument>()];
        log?.Invoke($"read + quality + license + redaction: {files.Count:N0} files -> {kept.Count:N0} ({stage.Elapsed.TotalSeconds:F1} s)");

        stage.Restart();
        HashSet<string> seen = new(StringComparer.Ordinal);
        int before = kept.Count;
        kept = [.. kept.Where(document => seen.Add(document.Sha256))];
        int exactDuplicates = before - kept.Count;
        log?.Invoke($"exact dedup: -{exactDuplicates:N0} ({stage.Elapsed.TotalSeconds:F1} s)");

        stage.Restart();
        NearDedupResult near = new MinHashDeduplicator(options.NearDedup).Deduplicate([.. kept.Select(document => document.Text)]);
        kept = [.. kept.Where((_, i) => near.DuplicateOf[i] < 0)];
        log?.Invoke($"near dedup ({near.Bands} bands x {near.Rows} rows): -{near.Removed:N0} ({stage.Elapsed.TotalSeconds:F1} s)");

        stage.Restart();
        string?[] matches = new string?[kept.Count];
        Parallel.For(0, kept.Count, i => matches[i] = decontaminator.Match(kept[i].Text));
        List<DecontaminatedFile> decontaminated = [.. kept.Select((document, i) => (document, match: matches[i]))
            .Where(pair => pair.match is not null)
            .Select(pair => new DecontaminatedFile(pair.document.Path, pair.match!))];
        kept = [.. kept.Where((_, i) => matches[i] is null)];
        log?.Invoke($"decontamination ({decontaminator.NGramCount:N0} {decontaminator.N}-grams): -{decontaminated.Count:N0} ({stage.Elapsed.TotalSeconds:F1} s)");

        CorpusReport report = new()
        {
            InputFiles = files.Count,
            InputBytes = files.Sum(file => file.Length),
            QualityRemoved = Enum.GetValues<QualityCheck>().Where(check => check != QualityCheck.Passed)
                .ToDictionary(check => check.ToString(), check => checks.Count(c => c == check)),
            LicenseRemoved = Tally(refusedLicenses.OfType<string>()),
            Redactions = Enum.GetValues<SecretKind>()
                .ToDictionary(kind => kind.ToString(), kind => redactions.Sum(r => r?.Counts.GetValueOrDefault(kind) ?? 0)),
            FilesWithRedactions = redactions.Count(r => r is not null && r.Counts.Count > 0),
            ExactDuplicatesRemoved = exactDuplicates,
            NearDuplicatesRemoved = near.Removed,
            NearDuplicateClusters = near.Clusters,
            NearDedupBands = near.Bands,
            NearDedupRows = near.Rows,
            DecontaminationNGram = options.DecontaminationNGram,
            DecontaminationRemoved = options.DecontaminationFiles.Select(Path.GetFileName).Distinct()
                .ToDictionary(name => name!, name => decontaminated.Count(file => file.Benchmark == name)),
            DecontaminatedFiles = decontaminated,
            OutputFiles = kept.Count,
            OutputBytes = kept.Sum(document => (long)Encoding.UTF8.GetByteCount(document.Text)),
            OutputFilesByLanguage = Tally(kept.Select(document => document.Language)),
            OutputFilesByLicense = Tally(kept.Select(document => document.License)),
        };
        return new CorpusResult(kept, report);
    }

    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static Decontaminator LoadBenchmarks(CorpusOptions options, string[] roots)
    {
        Decontaminator decontaminator = new(options.DecontaminationNGram);
        foreach (string file in options.DecontaminationFiles)
        {
            // Benchmark problems are references only; MultiPL-E's license forbids training on them.
            string full = Path.GetFullPath(file);
            if (roots.Any(root => full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)))
            {
                throw new ArgumentException($"Benchmark file {file} lies inside an --input directory; benchmark data must never be training data.");
            }

            decontaminator.Add(Path.GetFileName(file), BenchmarkProblems.Read(file));
        }

        return decontaminator;
    }

    // The innermost input root that contains path.
    private static string RootOf(string path, string[] roots) =>
        roots.Where(root => path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)).MaxBy(root => root.Length)!;

    private static SortedDictionary<string, int> Tally(IEnumerable<string> values) =>
        new(values.GroupBy(value => value).ToDictionary(group => group.Key, group => group.Count()), StringComparer.Ordinal);
}
