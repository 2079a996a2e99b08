using System.Globalization;
using System.Text;

namespace CodeGen.Eval.Benchmarks;

// MBPP+ (EvalPlus): the completion's outputs are compared with the reference solution's on every input of
// base_input + plus_input, as EvalPlus does, inside one program: for each input the reference runs first
// (timed), then the candidate with a per-input time limit of max(1 s, 4 x the reference's time) (EvalPlus's
// default factor and floor), on deep copies of the arguments.
// Special cases (EvalPlus's own, and defects of this snapshot):
// - tasks 2, 249, 579, 769 return set-ordered results: compared as sets;
// - tasks 737, 787, 794 return re.Match objects: compared by `is not None`;
// - task 793's plus_input is {} (no inputs); 635 and 734's plus inputs are degenerate ([] repeated, and 734's
//   contradict its contract): base inputs only;
// - the assertion field (shown as an example in the prompt) uses math without importing it in 120, 442, 574:
//   it is never executed here; outputs are compared instead.
// Inputs: tuples, sets and complex numbers are restored per task from their JSON lists and strings, by the
// rules of EvalPlus's MBPP+ loader (mbpp_deserialize_inputs).
// Floats: exact equality, else (atol > 0, or 1e-6 for float results when atol is 0) numpy.allclose semantics
// (|out - exp| <= atol + 1e-7 |exp|), element-wise through lists and tuples.
internal sealed record MbppPlusProblem(
    string TaskId,
    string Prompt,
    string CanonicalSolution,
    string EntryPoint,
    string InputsJson,
    double Atol)
    : Problem(TaskId, Prompt, CanonicalSolution, StopSequenceList)
{
    public static readonly IReadOnlyList<string> StopSequenceList = ["\nif __name__", "\nprint(", "\nassert", "\n\"\"\""];

    // EvalPlus task numbers with special output comparisons.
    public static readonly IReadOnlySet<int> SetOrderedTasks = new HashSet<int> { 2, 249, 579, 769 };
    public static readonly IReadOnlySet<int> MatchObjectTasks = new HashSet<int> { 737, 787, 794 };

    // Exit status of the checker when one input ran past its own time limit.
    public const int InputTimeoutExitCode = 124;

    public int Number => int.Parse(TaskId.AsSpan(TaskId.IndexOf('/') + 1), CultureInfo.InvariantCulture);

    public override string BuildProgram(string completion)
    {
        string mode = SetOrderedTasks.Contains(Number) ? "set" : MatchObjectTasks.Contains(Number) ? "match" : "value";
        var program = new StringBuilder();
        program.Append(Prompt).Append(completion).Append("\n\n");
        program.Append(CultureInfo.InvariantCulture, $"_cg_params = {{\"reference\": {PythonString(CanonicalSolution!)}, \"entry_point\": {PythonString(EntryPoint)}, ")
            .Append(CultureInfo.InvariantCulture, $"\"task\": {Number}, \"inputs\": {PythonString(InputsJson)}, \"atol\": {Atol.ToString("R", CultureInfo.InvariantCulture)}, ")
            .Append(CultureInfo.InvariantCulture, $"\"mode\": \"{mode}\", \"marker\": \"{NonFiniteJson.Marker}\", \"input_timeout_exit\": {InputTimeoutExitCode}}}\n");
        program.Append(Checker.Value);
        return program.ToString();
    }

    // MbppPlusChecker.py, embedded next to the data sets.
    private static readonly Lazy<string> Checker = new(() => BenchmarkData.ReadText("MbppPlusChecker.py"));

    // A Python string literal holding text exactly (JSON string syntax is valid Python for these escapes).
    private static string PythonString(string text) => System.Text.Json.JsonSerializer.Serialize(text, JsonStringOptions);

    private static readonly System.Text.Json.JsonSerializerOptions JsonStringOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
