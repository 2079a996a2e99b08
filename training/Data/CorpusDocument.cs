namespace CodeGen.Training.Data;

// One cleaned source file of the pretraining corpus, as written to corpus.jsonl.
internal sealed record CorpusDocument(
    // Path relative to its input root, with '/' separators.
    string Path,
    // Language name from the file extension ("python", "csharp").
    string Language,
    // Repository ("JamesNK/Newtonsoft.Json") or source name ("python3.11").
    string Origin,
    // SPDX license id, or "unknown".
    string License,
    // Lowercase hex SHA-256 of Text (UTF-8), after redaction.
    string Sha256,
    string Text);
