namespace CodeGen.Training.Data;

// Where a source file came from and under which license ("unknown" if none was found).
internal sealed record SourceOrigin(string Origin, string License);
