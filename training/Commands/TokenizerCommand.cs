using System.CommandLine;
using System.Diagnostics;
using CodeGen.Training.Tokenizers;

namespace CodeGen.Training.Commands;

// tokenizer: trains a byte-level BPE tokenizer on source files and writes
// OUTPUT/tokenizer.json.
internal static class TokenizerCommand
{
    public static Command Create()
    {
        Option<DirectoryInfo[]> input = new("--input")
        {
            Description = "Directory to read source files from, recursively (repeatable); or use --corpus.",
            AllowMultipleArgumentsPerToken = true,
        };
        input.AcceptExistingOnly();

        Option<string[]> extensions = new("--extensions")
        {
            Description = "Comma-separated file extensions to read, e.g. .py,.cs.",
            DefaultValueFactory = _ => [".cs", ".py"],
            CustomParser = result => [.. result.Tokens
                .SelectMany(token => token.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(extension => extension.StartsWith('.') ? extension : "." + extension)],
        };

        Option<int> vocabSize = new("--vocab-size")
        {
            Description = "Total vocabulary size: 256 byte symbols + merges + 6 special tokens.",
            DefaultValueFactory = _ => 8192,
        };

        Option<DirectoryInfo> output = new("--output")
        {
            Description = "Directory to write tokenizer.json to (created if missing).",
            Required = true,
        };

        Option<long?> maxBytes = new("--max-bytes")
        {
            Description = "Stop adding files (in path order) once this many bytes are selected.",
        };

        Option<FileInfo?> corpus = new("--corpus")
        {
            Description = "Train on the documents of a corpus.jsonl from 'training corpus' instead of --input directories.",
        };

        Command command = new("tokenizer", "Train a byte-level BPE tokenizer and write tokenizer.json.")
        {
            input, extensions, vocabSize, output, maxBytes, corpus,
        };
        command.Validators.Add(result =>
        {
            bool hasInput = result.GetResult(input) is not null, hasCorpus = result.GetResult(corpus) is not null;
            if (hasInput == hasCorpus) result.AddError("Give either --input DIR... or --corpus FILE.");
        });
        command.SetAction(parseResult => parseResult.GetValue(corpus) is FileInfo corpusFile
            ? RunOnCorpus(
                parseResult.InvocationConfiguration.Output,
                corpusFile,
                parseResult.GetValue(vocabSize),
                parseResult.GetRequiredValue(output))
            : Run(
            parseResult.InvocationConfiguration.Output,
            parseResult.InvocationConfiguration.Error,
            parseResult.GetValue(input) ?? [],
            parseResult.GetRequiredValue(extensions),
            parseResult.GetValue(vocabSize),
            parseResult.GetRequiredValue(output),
            parseResult.GetValue(maxBytes)));
        return command;
    }

    private static int RunOnCorpus(TextWriter console, FileInfo corpus, int vocabSize, DirectoryInfo output)
    {
        int minimumVocabSize = 256 + BpeTrainerOptions.DefaultSpecialTokens.Count;
        if (vocabSize < minimumVocabSize) throw new ArgumentException($"--vocab-size must be at least {minimumVocabSize}.");
        Stopwatch total = Stopwatch.StartNew();
        long documents = 0;
        Dictionary<string, long> wordCounts = WordCounter.Count(Data.CorpusJsonl.Read(corpus.FullName).Select(d =>
        {
            Interlocked.Increment(ref documents);
            return d.Text;
        }));
        TrainedBpe bpe = new BpeTrainer(new BpeTrainerOptions { VocabSize = vocabSize }).Train(wordCounts);
        Directory.CreateDirectory(output.FullName);
        string path = Path.Combine(output.FullName, "tokenizer.json");
        TokenizerJsonWriter.WriteFile(bpe, path);
        console.WriteLine($"Read {documents:N0} corpus documents from {corpus.FullName}. Distinct words: {wordCounts.Count:N0}. Merges learned: {bpe.Merges.Count:N0}. Vocabulary: {bpe.VocabSize:N0}.");
        console.WriteLine($"Wrote {path}. Elapsed: {total.Elapsed.TotalSeconds:F1} s.");
        return 0;
    }

    private static int Run(TextWriter console, TextWriter error, DirectoryInfo[] inputs, string[] extensions, int vocabSize, DirectoryInfo output, long? maxBytes)
    {
        // Range checks live here, not in option validators: System.CommandLine runs validators
        // even when the value did not parse, and reading it there throws.
        int minimumVocabSize = 256 + BpeTrainerOptions.DefaultSpecialTokens.Count;
        string? problem =
            extensions.Length == 0 ? "--extensions names no extension."
            : vocabSize < minimumVocabSize ? $"--vocab-size must be at least {minimumVocabSize} (256 byte symbols and the special tokens)."
            : maxBytes <= 0 ? "--max-bytes must be positive."
            : null;
        if (problem is not null)
        {
            error.WriteLine(problem);
            return 1;
        }

        Stopwatch total = Stopwatch.StartNew();
        IReadOnlyList<FileInfo> files = CorpusFiles.Select(inputs.Select(d => d.FullName), extensions, maxBytes);
        if (files.Count == 0)
        {
            error.WriteLine(
                $"No {string.Join(", ", extensions)} files under {string.Join(", ", inputs.Select(d => d.FullName))}.");
            return 1;
        }

        int skipped = 0;
        long bytesRead = 0;
        Dictionary<string, long> wordCounts = WordCounter.Count(files.Select(file =>
        {
            string? text = CorpusFiles.TryReadUtf8(file);
            if (text is null)
            {
                Interlocked.Increment(ref skipped);
                return string.Empty;
            }

            Interlocked.Add(ref bytesRead, file.Length);
            return text;
        }));
        TimeSpan countTime = total.Elapsed;

        TrainedBpe bpe = new BpeTrainer(new BpeTrainerOptions { VocabSize = vocabSize }).Train(wordCounts);
        TimeSpan mergeTime = total.Elapsed - countTime;

        string path = Path.Combine(output.FullName, "tokenizer.json");
        TokenizerJsonWriter.WriteFile(bpe, path);

        console.WriteLine($"Read {files.Count - skipped:N0} files, {bytesRead:N0} bytes ({skipped:N0} skipped: not UTF-8).");
        console.WriteLine($"Distinct words: {wordCounts.Count:N0}. Merges learned: {bpe.Merges.Count:N0}. Vocabulary: {bpe.VocabSize:N0}.");
        console.WriteLine($"Special tokens: {string.Join(", ", bpe.SpecialTokens.Select((token, i) => $"{token}={bpe.SpecialTokenId(i)}"))}.");
        console.WriteLine($"Wrote {path}.");
        console.WriteLine($"Elapsed: {total.Elapsed.TotalSeconds:F1} s (counting {countTime.TotalSeconds:F1} s, merging {mergeTime.TotalSeconds:F1} s).");
        return 0;
    }
}
