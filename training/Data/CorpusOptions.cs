namespace CodeGen.Training.Data;

// What the corpus builder reads and how it filters.
internal sealed record CorpusOptions
{
    public required IReadOnlyList<string> Inputs { get; init; }

    // Extensions (".py") of the files read.
    public required IReadOnlyList<string> Extensions { get; init; }

    // Wildcard patterns of full paths to skip ('*' also matches '/'), e.g. "*/site-packages/*".
    public IReadOnlyList<string> Excludes { get; init; } = [];

    // Extension -> language name; an extension not listed uses its name without the dot.
    public IReadOnlyDictionary<string, string> LanguageByExtension { get; init; } = DefaultLanguages;

    public QualityFilterOptions Quality { get; init; } = new();

    // Drop files whose license is not permissive (pretraining on others' code). Fine-tuning on one's own repository
    // turns it off: the owner may train on their code whatever its license file says, or without one.
    public bool PermissiveOnly { get; init; } = true;

    public NearDedupOptions NearDedup { get; init; } = new();

    // Benchmark files (.jsonl, .jsonl.gz, .json) whose problems must not appear in the corpus.
    public IReadOnlyList<string> DecontaminationFiles { get; init; } = [];

    // Length in word tokens of the n-grams that decontamination matches.
    public int DecontaminationNGram { get; init; } = Decontaminator.DefaultNGram;

    public static readonly IReadOnlyDictionary<string, string> DefaultLanguages =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { [".py"] = "python", [".cs"] = "csharp" };

    public string LanguageOf(string path)
    {
        string extension = Path.GetExtension(path);
        return LanguageByExtension.TryGetValue(extension, out string? language) ? language : extension.TrimStart('.').ToLowerInvariant();
    }
}
