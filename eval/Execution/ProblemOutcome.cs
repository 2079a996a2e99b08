namespace CodeGen.Eval.Execution;

// One problem's samples after a run: how many, how many passed, and the status of each (in sample order).
internal sealed record ProblemOutcome(string TaskId, IReadOnlyList<ExecutionStatus> Statuses)
{
    public int Samples => Statuses.Count;

    public int Passed => Statuses.Count(s => s == ExecutionStatus.Passed);
}
