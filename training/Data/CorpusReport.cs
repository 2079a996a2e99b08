namespace CodeGen.Training.Data;

// What each corpus stage did, written as corpus-report.json. Per-kind dictionaries list
// every kind, zeros included.
internal sealed record CorpusReport
{
    public required int InputFiles { get; init; }

    public required long InputBytes { get; init; }

    // Quality filter -> files it removed (each file counted under the first filter it failed).
    public required IReadOnlyDictionary<string, int> QualityRemoved { get; init; }

    // License that is not permissive (or "unknown") -> files removed for it.
    public required IReadOnlyDictionary<string, int> LicenseRemoved { get; init; }

    // Secret kind -> occurrences redacted.
    public required IReadOnlyDictionary<string, int> Redactions { get; init; }

    public required int FilesWithRedactions { get; init; }

    public required int ExactDuplicatesRemoved { get; init; }

    public required int NearDuplicatesRemoved { get; init; }

    public required int NearDuplicateClusters { get; init; }

    public required int NearDedupBands { get; init; }

    public required int NearDedupRows { get; init; }

    public required int DecontaminationNGram { get; init; }

    // Benchmark file -> files removed for sharing an n-gram with it.
    public required IReadOnlyDictionary<string, int> DecontaminationRemoved { get; init; }

    public required IReadOnlyList<DecontaminatedFile> DecontaminatedFiles { get; init; }

    public required int OutputFiles { get; init; }

    public required long OutputBytes { get; init; }

    public required IReadOnlyDictionary<string, int> OutputFilesByLanguage { get; init; }

    public required IReadOnlyDictionary<string, int> OutputFilesByLicense { get; init; }
}
