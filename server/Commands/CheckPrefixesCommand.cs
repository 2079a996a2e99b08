using System.CommandLine;
using CodeGen.Server.Constraints;

namespace CodeGen.Server.Commands;

/// <summary>
/// <c>server check-prefixes</c>: what the syntax constraint decides for every prefix of a text after a prompt. The last
/// line is <c>viable: N of N prefixes</c> (exit 0) or <c>rejected at offset K: reason</c> (exit 1).
/// </summary>
internal static class CheckPrefixesCommand
{
    public static Command Create()
    {
        Option<string> constrain = new("--constrain") { Description = $"The constraint: {string.Join(", ", SyntaxConstraints.Names)}.", Required = true };
        Option<FileInfo> promptFile = new("--prompt-file") { Description = "The code before the completion (the request's prompt).", Required = true };
        Option<FileInfo> textFile = new("--text-file") { Description = "The completion whose every prefix is checked.", Required = true };
        var command = new Command("check-prefixes", "Check every prefix prompt + text[0..k] with a syntax constraint and report the first rejection.")
        {
            constrain, promptFile, textFile,
        };
        command.SetAction(parse =>
        {
            string name = parse.GetValue(constrain)!;
            ISyntaxConstraint constraint = SyntaxConstraints.Find(name)
                ?? throw new ArgumentException($"--constrain: '{name}' is not one of {string.Join(", ", SyntaxConstraints.Names)}"
                    + (name == "csharp-typed" ? " (csharp-typed is not available yet)" : ""));
            string prompt = Read(parse.GetValue(promptFile)!, "--prompt-file");
            string text = Read(parse.GetValue(textFile)!, "--text-file");
            PrefixScan.Result result = PrefixScan.Run(constraint, prompt, text);
            if (result.RejectedAt is int at)
            {
                string context = text[Math.Max(0, at - 40)..at].ReplaceLineEndings("\\n");
                Console.WriteLine($"{at} of {result.Total} prefixes viable; the text up to the rejection ends: \"{context}\"");
                Console.WriteLine($"rejected at offset {at}: {result.Reason}");
                return 1;
            }
            Console.WriteLine($"viable: {result.Viable} of {result.Total} prefixes");
            return 0;
        });
        return command;
    }

    private static string Read(FileInfo file, string flag)
    {
        if (!file.Exists) throw new ArgumentException($"{flag} {file.FullName}: no such file");
        return File.ReadAllText(file.FullName);
    }
}
