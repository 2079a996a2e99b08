using System.CommandLine;
using CodeGen.Training.Data;

namespace CodeGen.Training.Commands;

/// <summary><c>shards</c>: tokenises corpus.jsonl (with FIM) into packed, hashed training shards.</summary>
internal static class ShardsCommand
{
    public static Command Create()
    {
        Option<FileInfo> corpus = new("--corpus") { Description = "corpus.jsonl from 'training corpus'.", Required = true };
        Option<FileInfo> tokenizer = new("--tokenizer") { Description = "tokenizer.json from 'training tokenizer'.", Required = true };
        Option<DirectoryInfo> output = new("--output") { Description = "Directory for shards, shards.json and manifest.json.", Required = true };
        Option<int> seqLen = new("--seq-len") { Description = "Tokens per training sequence (the model's context).", DefaultValueFactory = _ => 512 };
        Option<double> fimRate = new("--fim-rate") { Description = "Fraction of documents turned into fill-in-the-middle examples.", DefaultValueFactory = _ => 0.5 };
        Option<double> spmRate = new("--fim-spm-rate") { Description = "Fraction of FIM examples in SPM order (the rest PSM).", DefaultValueFactory = _ => 0.5 };
        Option<double> validation = new("--validation-fraction") { Description = "Fraction of sequences held out for validation.", DefaultValueFactory = _ => 0.01 };
        Option<int> seed = new("--seed") { Description = "Seed for the FIM choices.", DefaultValueFactory = _ => 1 };
        var command = new Command("shards", "Tokenise corpus.jsonl into packed uint16 shards with a manifest.")
        {
            corpus, tokenizer, output, seqLen, fimRate, spmRate, validation, seed,
        };
        command.SetAction(parse =>
        {
            double fim = parse.GetValue(fimRate), spm = parse.GetValue(spmRate), val = parse.GetValue(validation);
            if (fim is < 0 or > 1 || spm is < 0 or > 1) throw new ArgumentException("--fim-rate and --fim-spm-rate must be in [0, 1]");
            if (val is < 0 or >= 1) throw new ArgumentException("--validation-fraction must be in [0, 1)");
            var options = new ShardWriter.Options(parse.GetValue(seqLen), fim, spm, val, parse.GetValue(seed));
            string outputDir = parse.GetRequiredValue(output).FullName;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            ShardWriter.Result result = ShardWriter.Write(
                CorpusJsonl.Read(parse.GetRequiredValue(corpus).FullName), parse.GetRequiredValue(tokenizer).FullName, options, outputDir);
            TextWriter console = parse.InvocationConfiguration.Output;
            console.WriteLine($"{result.Documents:N0} documents, {result.Tokens:N0} tokens -> {result.Sequences:N0} sequences of {options.SeqLen + 1} in {result.Shards} shard(s); manifest sha256 {result.ManifestSha256}; {watch.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return command;
    }
}
