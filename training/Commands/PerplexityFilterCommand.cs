using System.CommandLine;
using System.Text.Json;
using CodeGen.Model;
using CodeGen.Model.Tokenization;
using CodeGen.Training.Data;
using static TorchSharp.torch;

namespace CodeGen.Training.Commands;

/// <summary><c>perplexity-filter</c>: the corpus's second pass, dropping documents a reference model finds far more surprising than the median.</summary>
internal static class PerplexityFilterCommand
{
    public static Command Create()
    {
        Option<FileInfo> corpus = new("--corpus") { Description = "corpus.jsonl to filter.", Required = true };
        Option<DirectoryInfo> model = new("--model") { Description = "Reference model directory (with tokenizer.json).", Required = true };
        Option<FileInfo> output = new("--output") { Description = "Filtered corpus.jsonl to write.", Required = true };
        Option<double> multiple = new("--max-multiple") { Description = "Drop documents above this multiple of the median perplexity.", DefaultValueFactory = _ => PerplexityFilter.DefaultMaxMultipleOfMedian };
        Option<int> maxTokens = new("--max-tokens") { Description = "Tokens scored per document (its beginning).", DefaultValueFactory = _ => 512 };
        var command = new Command("perplexity-filter", "Second corpus pass: drop documents whose perplexity under a reference model exceeds a multiple of the median.")
        {
            corpus, model, output, multiple, maxTokens,
        };
        command.SetAction(parse =>
        {
            string modelDir = parse.GetRequiredValue(model).FullName;
            using CausalLM reference = CausalLM.Load(modelDir, float32, CPU);
            var tokenizer = BpeTokenizer.Load(Path.Combine(modelDir, "tokenizer.json"));
            var scorer = new ModelPerplexityScorer(reference, tokenizer, parse.GetValue(maxTokens));
            List<CorpusDocument> documents = [.. CorpusJsonl.Read(parse.GetRequiredValue(corpus).FullName)];
            PerplexityFilterResult result = new PerplexityFilter(scorer.Score, parse.GetValue(multiple)).Apply(documents);
            var json = new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
            string path = parse.GetRequiredValue(output).FullName;
            File.WriteAllLines(path, result.Kept.Select(d => JsonSerializer.Serialize(d, json)));
            TextWriter console = parse.InvocationConfiguration.Output;
            console.WriteLine($"kept {result.Kept.Count:N0}, removed {result.Removed:N0}; median perplexity by language (cut-off = {parse.GetValue(multiple)} x): "
                + string.Join(", ", result.MediansByLanguage.Select(m => $"{m.Key} {m.Value:F2}")));
            foreach (string removed in result.RemovedPaths.Take(20)) console.WriteLine($"  removed {removed}");
            return 0;
        });
        return command;
    }
}
