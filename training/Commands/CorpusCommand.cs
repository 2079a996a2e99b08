using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using CodeGen.Training.Data;

namespace CodeGen.Training.Commands;

// corpus: builds the cleaned pretraining corpus (quality filters, secrets redaction, exact and
// near dedup, decontamination) and writes OUTPUT/corpus.jsonl and OUTPUT/corpus-report.json.
internal static class CorpusCommand
{
    private static readonly JsonSerializerOptions LineJson = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private static readonly JsonSerializerOptions ReportJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public static Command Create()
    {
        QualityFilterOptions quality = new();
        NearDedupOptions near = new();

        Option<DirectoryInfo[]> input = new("--input")
        {
            Description = "Directory to read source files from, recursively (repeatable). A MANIFEST.tsv at its root names each top-level folder's repository and license.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        input.AcceptExistingOnly();

        Option<string[]> extensions = new("--extensions")
        {
            Description = "Comma-separated file extensions to read, e.g. .py,.cs.",
            DefaultValueFactory = _ => [".cs", ".py"],
            CustomParser = result => [.. SplitList(result.Tokens.Select(token => token.Value))
                .Select(extension => extension.StartsWith('.') ? extension : "." + extension)],
        };

        Option<string[]> exclude = new("--exclude")
        {
            Description = "Wildcard pattern of full paths to skip ('*' also matches '/'), e.g. '*/site-packages/*' (repeatable).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };

        Option<string[]> languages = new("--language")
        {
            Description = "Extension-to-language mapping such as .pyi=python (repeatable); .py=python and .cs=csharp are built in.",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };

        Option<FileInfo[]> decontaminate = new("--decontaminate")
        {
            Description = "Benchmark file (.jsonl, .jsonl.gz, .json) whose problems must not occur in the corpus (repeatable).",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [],
        };
        decontaminate.AcceptExistingOnly();

        Option<DirectoryInfo> output = new("--output")
        {
            Description = "Directory to write corpus.jsonl and corpus-report.json to (created if missing).",
            Required = true,
        };

        Option<long> maxFileBytes = new("--max-file-bytes") { Description = "Drop files larger than this.", DefaultValueFactory = _ => quality.MaxFileBytes };
        Option<int> maxLineLength = new("--max-line-length") { Description = "Drop files with a longer line.", DefaultValueFactory = _ => quality.MaxLineLength };
        Option<double> maxMeanLineLength = new("--max-mean-line-length") { Description = "Drop files whose mean line length is larger.", DefaultValueFactory = _ => quality.MaxMeanLineLength };
        Option<double> minAlphanumeric = new("--min-alphanumeric-fraction") { Description = "Drop files with a smaller fraction of letters and digits.", DefaultValueFactory = _ => quality.MinAlphanumericFraction };
        Option<double> threshold = new("--near-dup-threshold") { Description = "Jaccard similarity at which files are near-duplicates.", DefaultValueFactory = _ => near.Threshold };
        Option<int> permutations = new("--num-perm") { Description = "MinHash permutations.", DefaultValueFactory = _ => near.NumPermutations };
        Option<int> shingle = new("--shingle-size") { Description = "Word tokens per MinHash shingle.", DefaultValueFactory = _ => near.ShingleSize };
        Option<int?> bands = new("--bands") { Description = "LSH bands (with --rows); chosen from the threshold if omitted." };
        Option<int?> rows = new("--rows") { Description = "LSH rows per band (with --bands)." };
        Option<int> ngram = new("--decontamination-ngram") { Description = "Word-token n-gram length that decontamination matches.", DefaultValueFactory = _ => Decontaminator.DefaultNGram };

        Command command = new("corpus", "Build the cleaned pretraining corpus: corpus.jsonl and corpus-report.json.")
        {
            input, extensions, exclude, languages, decontaminate, output,
            maxFileBytes, maxLineLength, maxMeanLineLength, minAlphanumeric,
            threshold, permutations, shingle, bands, rows, ngram,
        };
        command.SetAction(parseResult =>
        {
            TextWriter console = parseResult.InvocationConfiguration.Output;
            TextWriter error = parseResult.InvocationConfiguration.Error;
            string? problem = Validate(parseResult.GetRequiredValue(extensions), parseResult.GetValue(languages)!, parseResult.GetValue(maxFileBytes),
                parseResult.GetValue(maxLineLength), parseResult.GetValue(maxMeanLineLength), parseResult.GetValue(minAlphanumeric),
                parseResult.GetValue(threshold), parseResult.GetValue(permutations), parseResult.GetValue(shingle),
                parseResult.GetValue(bands), parseResult.GetValue(rows), parseResult.GetValue(ngram));
            if (problem is not null)
            {
                error.WriteLine(problem);
                return 1;
            }

            Dictionary<string, string> languageMap = new(CorpusOptions.DefaultLanguages, StringComparer.OrdinalIgnoreCase);
            foreach (string mapping in SplitList(parseResult.GetValue(languages)!))
            {
                string[] parts = mapping.Split('=', 2, StringSplitOptions.TrimEntries);
                languageMap[parts[0].StartsWith('.') ? parts[0] : "." + parts[0]] = parts[1];
            }

            CorpusOptions options = new()
            {
                Inputs = [.. parseResult.GetRequiredValue(input).Select(directory => directory.FullName)],
                Extensions = parseResult.GetRequiredValue(extensions),
                Excludes = parseResult.GetValue(exclude)!,
                LanguageByExtension = languageMap,
                Quality = quality with
                {
                    MaxFileBytes = parseResult.GetValue(maxFileBytes),
                    MaxLineLength = parseResult.GetValue(maxLineLength),
                    MaxMeanLineLength = parseResult.GetValue(maxMeanLineLength),
                    MinAlphanumericFraction = parseResult.GetValue(minAlphanumeric),
                },
                NearDedup = near with
                {
                    Threshold = parseResult.GetValue(threshold),
                    NumPermutations = parseResult.GetValue(permutations),
                    ShingleSize = parseResult.GetValue(shingle),
                    Bands = parseResult.GetValue(bands),
                    Rows = parseResult.GetValue(rows),
                },
                DecontaminationFiles = [.. parseResult.GetValue(decontaminate)!.Select(file => file.FullName)],
                DecontaminationNGram = parseResult.GetValue(ngram),
            };
            return Run(console, error, options, parseResult.GetRequiredValue(output));
        });
        return command;
    }

    private static int Run(TextWriter console, TextWriter error, CorpusOptions options, DirectoryInfo output)
    {
        Stopwatch total = Stopwatch.StartNew();
        CorpusResult result = CorpusBuilder.Build(options, line => console.WriteLine(line));
        if (result.Report.InputFiles == 0)
        {
            error.WriteLine($"No {string.Join(", ", options.Extensions)} files under {string.Join(", ", options.Inputs)}.");
            return 1;
        }

        Directory.CreateDirectory(output.FullName);
        string corpusPath = Path.Combine(output.FullName, "corpus.jsonl");
        string reportPath = Path.Combine(output.FullName, "corpus-report.json");
        WriteAtomically(corpusPath, writer =>
        {
            foreach (CorpusDocument document in result.Documents)
            {
                writer.Write(JsonSerializer.Serialize(document, LineJson));
                writer.Write('\n');
            }
        });
        WriteAtomically(reportPath, writer => writer.Write(JsonSerializer.Serialize(result.Report, ReportJson) + "\n"));

        WriteSummary(console, result.Report);
        console.WriteLine($"Wrote {corpusPath} and {reportPath}.");
        console.WriteLine($"Elapsed: {total.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

    private static void WriteSummary(TextWriter console, CorpusReport report)
    {
        List<(string Stage, string Count)> rows =
        [
            ("input files", $"{report.InputFiles:N0} ({report.InputBytes:N0} bytes)"),
            .. report.QualityRemoved.Select(pair => ($"quality: {pair.Key}", $"-{pair.Value:N0}")),
            .. report.LicenseRemoved.Select(pair => ($"license: {pair.Key}", $"-{pair.Value:N0}")),
            .. report.Redactions.Select(pair => ($"redacted: {pair.Key}", $"{pair.Value:N0}")),
            ("files with redactions", $"{report.FilesWithRedactions:N0}"),
            ("exact duplicates", $"-{report.ExactDuplicatesRemoved:N0}"),
            ($"near duplicates ({report.NearDedupBands}x{report.NearDedupRows} LSH)", $"-{report.NearDuplicatesRemoved:N0} in {report.NearDuplicateClusters:N0} clusters"),
            .. report.DecontaminationRemoved.Select(pair => ($"decontamination: {pair.Key}", $"-{pair.Value:N0}")),
            ("output files", $"{report.OutputFiles:N0} ({report.OutputBytes:N0} bytes)"),
        ];
        int width = rows.Max(row => row.Stage.Length);
        foreach ((string stage, string count) in rows)
        {
            console.WriteLine($"{stage.PadRight(width)}  {count}");
        }
    }

    // Writes to a temporary file and renames it, so readers never see a half-written file.
    private static void WriteAtomically(string path, Action<StreamWriter> write)
    {
        string temporary = path + ".tmp";
        using (StreamWriter writer = new(temporary, append: false, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false)))
        {
            write(writer);
        }

        File.Move(temporary, path, overwrite: true);
    }

    private static string? Validate(
        string[] extensions, string[] languages, long maxFileBytes, int maxLineLength, double maxMeanLineLength, double minAlphanumeric,
        double threshold, int permutations, int shingle, int? bands, int? rows, int ngram) =>
        extensions.Length == 0 ? "--extensions names no extension."
        : SplitList(languages).FirstOrDefault(mapping => mapping.Split('=').Length != 2 || mapping.Split('=').Any(part => part.Trim().Length == 0)) is string bad
            ? $"--language '{bad}' is not of the form .ext=language."
        : maxFileBytes <= 0 ? "--max-file-bytes must be positive."
        : maxLineLength <= 0 ? "--max-line-length must be positive."
        : maxMeanLineLength <= 0 ? "--max-mean-line-length must be positive."
        : minAlphanumeric is < 0 or > 1 ? "--min-alphanumeric-fraction must be between 0 and 1."
        : threshold is <= 0 or > 1 ? "--near-dup-threshold must be in (0, 1]."
        : permutations <= 0 ? "--num-perm must be positive."
        : shingle <= 0 ? "--shingle-size must be positive."
        : bands.HasValue != rows.HasValue ? "--bands and --rows must be given together."
        : bands <= 0 || rows <= 0 || bands * rows > permutations ? "--bands x --rows must be positive and at most --num-perm."
        : ngram <= 0 ? "--decontamination-ngram must be positive."
        : null;

    private static IEnumerable<string> SplitList(IEnumerable<string> values) =>
        values.SelectMany(value => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
