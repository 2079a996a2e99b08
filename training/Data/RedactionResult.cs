namespace CodeGen.Training.Data;

// Text after redaction and how many secrets of each kind were replaced (kinds with none left out).
internal sealed record RedactionResult(string Text, IReadOnlyDictionary<SecretKind, int> Counts);
