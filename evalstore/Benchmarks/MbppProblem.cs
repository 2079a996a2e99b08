namespace CodeGen.Eval.Benchmarks;

// MBPP (original and sanitized): program = [docstring prompt] + completion + setup + tests. The solution comes
// before the setup code because tasks 367 and 927's setup uses a class (Node) that only the solution defines.
// Setup: test_setup_code (original) or the test_imports lines (sanitized).
internal sealed record MbppProblem(
    string TaskId,
    string Prompt,
    string CanonicalSolution,
    IReadOnlyList<string> StopSequences,
    string Setup,
    IReadOnlyList<string> Tests,
    MbppPromptStyle Style)
    : Problem(TaskId, Prompt, CanonicalSolution, StopSequences)
{
    public override string BuildProgram(string completion) =>
        (Style == MbppPromptStyle.Docstring ? Prompt : "") + completion + "\n\n" + Setup + "\n" + string.Join('\n', Tests) + "\n";
}
