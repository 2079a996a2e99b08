namespace CodeGen.Eval.Benchmarks;

// One benchmark problem.
// TaskId: the data set's id ("HumanEval/0", "Mbpp/11", "11", "HumanEval_23_strlen").
// Prompt: exactly what the model is given.
// CanonicalSolution: the data set's reference, written as a completion of Prompt (null where none exists).
// StopSequences: where generation stops (the completion is cut before the first one).
internal abstract record Problem(string TaskId, string Prompt, string? CanonicalSolution, IReadOnlyList<string> StopSequences)
{
    // The whole program that tests a completion: exit status 0 when it passes.
    public abstract string BuildProgram(string completion);
}
