using System.Collections.Concurrent;
using CodeGen.Eval.Benchmarks;
using CodeGen.Eval.Generation;
using CodeGen.Eval.Storage;

namespace CodeGen.Eval.Execution;

// Runs a benchmark's problems: gets each problem's missing samples from the completion source, executes each
// in the sandbox through the language's executor, and stores every sample as soon as it finishes, so an
// interrupted run resumes where it stopped (samples already in the store are neither generated nor run again).
// Problems run `parallel` at a time; the sandbox's slots bound concurrent executions.
internal sealed class EvaluationRunner(IExecutor executor, ICompletionSource completions, ResultStore store, int parallel)
{
    // samplesFor: samples wanted per problem. progress: called after each problem with (done, total).
    public async Task<IReadOnlyList<ProblemOutcome>> RunAsync(
        Benchmark benchmark,
        IReadOnlyList<Problem> problems,
        long runId,
        Func<Problem, int> samplesFor,
        Action<int, int>? progress,
        CancellationToken cancellationToken)
    {
        var done = store.GetSamples(runId).ToDictionary(s => (s.Problem, s.Index));
        var outcomes = new ConcurrentDictionary<string, ProblemOutcome>(StringComparer.Ordinal);
        int finished = 0;
        await Parallel.ForEachAsync(
            problems,
            new ParallelOptions { MaxDegreeOfParallelism = parallel, CancellationToken = cancellationToken },
            async (problem, token) =>
            {
                int samples = samplesFor(problem);
                var statuses = new ExecutionStatus[samples];
                int missingFrom = samples;
                for (int i = 0; i < samples; i++)
                {
                    if (done.TryGetValue((problem.TaskId, i), out SampleRecord? record))
                    {
                        statuses[i] = ExecutionStatusNames.Parse(record.Status);
                    }
                    else
                    {
                        missingFrom = Math.Min(missingFrom, i);
                    }
                }

                if (missingFrom < samples)
                {
                    string promptHash = PromptHash.Of(problem.Prompt);
                    IReadOnlyList<string> texts;
                    try
                    {
                        texts = await completions.GetAsync(problem, missingFrom, samples - missingFrom, token).ConfigureAwait(false);
                    }
                    catch (PromptTooLongException tooLong)
                    {
                        // Recorded, not run; the run goes on with the next problem.
                        for (int i = missingFrom; i < samples; i++)
                        {
                            statuses[i] = ExecutionStatus.PromptTooLong;
                            store.SaveSample(runId, new SampleRecord(
                                problem.TaskId, i, promptHash, "", ExecutionStatus.PromptTooLong.ToName(), null, 0, "", tooLong.Message, null));
                        }

                        texts = [];
                    }

                    for (int i = missingFrom; i < missingFrom + texts.Count; i++)
                    {
                        string completion = texts[i - missingFrom];
                        ExecutionResult result = await executor.ExecuteAsync(problem.BuildProgram(completion), benchmark.Timeout, token).ConfigureAwait(false);
                        statuses[i] = result.Status;
                        store.SaveSample(runId, new SampleRecord(
                            problem.TaskId, i, promptHash, completion, result.Status.ToName(), result.ExitCode,
                            result.Duration.TotalMilliseconds, result.Stdout, result.Stderr, result.CompileDuration?.TotalMilliseconds));
                    }
                }

                outcomes[problem.TaskId] = new ProblemOutcome(problem.TaskId, statuses);
                progress?.Invoke(Interlocked.Increment(ref finished), problems.Count);
            }).ConfigureAwait(false);

        return [.. problems.Select(p => outcomes[p.TaskId])];
    }
}
