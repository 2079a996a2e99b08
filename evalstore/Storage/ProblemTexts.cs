using System.Collections.Concurrent;
using System.Text.Json;
using CodeGen.Eval.Benchmarks;

namespace CodeGen.Eval.Storage;

/// <summary>
/// Looks up the prompt and tests of a stored run's problems in the benchmarks bundled with this build (the store
/// keeps only a prompt hash). Read-only; each benchmark is loaded once, on first use, and kept.
/// </summary>
public sealed class ProblemTexts
{
    private readonly ConcurrentDictionary<(string Benchmark, MbppPromptStyle Style), Lazy<IReadOnlyDictionary<string, ProblemText>?>> _loaded = new();

    /// <summary>The prompt and tests of <paramref name="taskId"/> as <paramref name="run"/> used them, or null when
    /// this build does not bundle the run's benchmark or the problem.</summary>
    public ProblemText? Find(RunSummary run, string taskId)
    {
        ArgumentNullException.ThrowIfNull(run);
        MbppPromptStyle style = MbppStyle(run.Configuration);
        IReadOnlyDictionary<string, ProblemText>? problems = _loaded
            .GetOrAdd((run.Benchmark, style), key => new Lazy<IReadOnlyDictionary<string, ProblemText>?>(() => Load(key.Benchmark, key.Style)))
            .Value;
        return problems is not null && problems.TryGetValue(taskId, out ProblemText? text) ? text : null;
    }

    private static Dictionary<string, ProblemText>? Load(string benchmark, MbppPromptStyle style)
    {
        if (!BenchmarkCatalog.Names.Contains(benchmark))
        {
            return null;
        }

        Benchmark loaded = BenchmarkCatalog.Load(benchmark, style);
        string language = loaded.Language == BenchmarkLanguage.CSharp ? "csharp" : "python";
        var texts = new Dictionary<string, ProblemText>(StringComparer.Ordinal);
        foreach (Problem problem in loaded.Problems)
        {
            // The program with an empty completion is prompt (for most benchmarks) + tests.
            string program = problem.BuildProgram("");
            string tests = program.StartsWith(problem.Prompt, StringComparison.Ordinal) ? program[problem.Prompt.Length..] : program;
            texts[problem.TaskId] = new ProblemText(problem.TaskId, language, problem.Prompt, tests.Trim('\n'), PromptHash.Of(problem.Prompt));
        }

        return texts;
    }

    // eval run records the MBPP prompt style in the configuration JSON ("mbpp_prompt": "3shot" or "docstring").
    private static MbppPromptStyle MbppStyle(string configuration)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(configuration);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("mbpp_prompt", out JsonElement value)
                && value.ValueKind == JsonValueKind.String
                && value.GetString() == "docstring"
                ? MbppPromptStyle.Docstring
                : MbppPromptStyle.ThreeShot;
        }
        catch (JsonException)
        {
            return MbppPromptStyle.ThreeShot;
        }
    }
}
