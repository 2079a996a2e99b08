namespace CodeGen.Training.Data;

// A file decontamination dropped and the benchmark it shared an n-gram with.
internal sealed record DecontaminatedFile(string Path, string Benchmark);
