namespace CodeGen.Eval.Benchmarks;

// MultiPL-E C#: program = prompt + completion + tests (the tests close the method and hold Main). No reference
// solutions exist.
internal sealed record MultiPleProblem(string TaskId, string Prompt, IReadOnlyList<string> StopSequences, string Tests)
    : Problem(TaskId, Prompt, null, StopSequences)
{
    public override string BuildProgram(string completion) => Prompt + completion + Tests;
}
