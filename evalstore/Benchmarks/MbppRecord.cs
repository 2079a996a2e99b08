namespace CodeGen.Eval.Benchmarks;

// One line of mbpp.jsonl.
internal sealed record MbppRecord(int TaskId, string Text, string Code, string SetupCode, IReadOnlyList<string> Tests);
