namespace CodeGen.Eval.Benchmarks;

// The language a benchmark's programs are written in; it picks the executor.
internal enum BenchmarkLanguage
{
    Python,
    CSharp,
}
