namespace CodeGen.Eval.Benchmarks;

// HumanEval: program = prompt + completion + test + check(entry_point), as openai/human-eval's execution.py.
internal sealed record HumanEvalProblem(string TaskId, string Prompt, string CanonicalSolution, string Test, string EntryPoint)
    : Problem(TaskId, Prompt, CanonicalSolution, StopSequenceList)
{
    // The Codex paper's stop sequences: the function ends where top-level code starts.
    public static readonly IReadOnlyList<string> StopSequenceList = ["\nclass", "\ndef", "\n#", "\nif", "\nprint"];

    public override string BuildProgram(string completion) =>
        Prompt + completion + "\n\n" + Test + "\n\ncheck(" + EntryPoint + ")\n";
}
