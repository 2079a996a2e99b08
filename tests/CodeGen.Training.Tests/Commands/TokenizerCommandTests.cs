using System.CommandLine;
using CodeGen.Model.Tokenization;
using CodeGen.Training.Commands;

namespace CodeGen.Training.Tests.Commands;

public sealed class TokenizerCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tokenizer-command-" + Guid.NewGuid().ToString("N"));

    public TokenizerCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Invoke_SourceDirectory_TrainsOnMatchingExtensionsOnly()
    {
        string sources = Directory.CreateDirectory(Path.Combine(_directory, "src")).FullName;
        File.WriteAllText(Path.Combine(sources, "a.cs"), "ab ab ab ab abc abc");
        File.WriteAllText(Path.Combine(sources, "notes.txt"), "zzzz zzzz zzzz zzzz");
        string output = Path.Combine(_directory, "out");

        (int exitCode, string stdout, string stderr) = Invoke(
            "tokenizer", "--input", sources, "--extensions", ".cs,.py", "--vocab-size", "1000", "--output", output);

        Assert.Equal(0, exitCode);
        Assert.Equal("", stderr);
        Assert.Contains("Merges learned: 3. Vocabulary: 265.", stdout, StringComparison.Ordinal);
        BpeTokenizer tokenizer = BpeTokenizer.Load(Path.Combine(output, "tokenizer.json"));
        Assert.Equal([256, 257, 258], tokenizer.Encode("ab ab abc"));
        Assert.Equal(259, tokenizer.EndOfTextId);
    }

    [Fact]
    public void Invoke_MissingInputDirectory_FailsWithMessage()
    {
        string missing = Path.Combine(_directory, "missing");

        (int exitCode, _, string stderr) = Invoke("tokenizer", "--input", missing, "--output", _directory);

        Assert.Equal(1, exitCode);
        Assert.Contains($"Directory does not exist: '{missing}'.", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Invoke_NoMatchingFiles_FailsWithMessage()
    {
        (int exitCode, _, string stderr) = Invoke("tokenizer", "--input", _directory, "--extensions", ".rs", "--output", _directory);

        Assert.Equal(1, exitCode);
        Assert.Equal($"No .rs files under {_directory}.", stderr.Trim());
    }

    [Fact]
    public void Invoke_VocabSizeTooSmall_FailsWithMessage()
    {
        (int exitCode, _, string stderr) = Invoke("tokenizer", "--input", _directory, "--vocab-size", "100", "--output", _directory);

        Assert.Equal(1, exitCode);
        Assert.Equal("--vocab-size must be at least 262 (256 byte symbols and the special tokens).", stderr.Trim());
    }

    [Fact]
    public void Invoke_VocabSizeNotANumber_FailsWithParseError()
    {
        (int exitCode, _, string stderr) = Invoke("tokenizer", "--input", _directory, "--vocab-size", "abc", "--output", _directory);

        Assert.Equal(1, exitCode);
        Assert.Contains("Cannot parse argument 'abc' for option '--vocab-size'", stderr, StringComparison.Ordinal);
    }

    private static (int ExitCode, string Output, string Error) Invoke(params string[] args)
    {
        RootCommand root = new() { TokenizerCommand.Create() };
        StringWriter output = new();
        StringWriter error = new();
        int exitCode = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }
}
