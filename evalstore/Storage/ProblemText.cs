namespace CodeGen.Eval.Storage;

/// <summary>What a stored sample was run against: the problem's prompt and the code that tested it.</summary>
/// <param name="TaskId">The problem's task id, as stored in samples.</param>
/// <param name="Language">The programs' language as highlighters name it: <c>python</c> or <c>csharp</c>.</param>
/// <param name="Prompt">Exactly what the model was given.</param>
/// <param name="Tests">The code run after the completion (the test harness), without the prompt.</param>
/// <param name="PromptHash">First 16 hex digits of the SHA-256 of <paramref name="Prompt"/>, as samples store it.</param>
public sealed record ProblemText(string TaskId, string Language, string Prompt, string Tests, string PromptHash);
