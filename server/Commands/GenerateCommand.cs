using System.CommandLine;
using System.Globalization;
using CodeGen.Model;
using CodeGen.Model.Generation;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Engine;
using static TorchSharp.torch;

namespace CodeGen.Server.Commands;

/// <summary>
/// <c>server generate</c>: runs the engine once without HTTP and prints the generated token ids
/// (comma-separated, last line), so it can be cross-checked against reference implementations.
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        Option<string?> model = new("--model") { Description = "Hugging Face model directory (default: the bundled model)." };
        Option<string?> promptIds = new("--prompt-ids") { Description = "Prompt token ids, comma-separated, e.g. 1,2,3." };
        Option<string?> prompt = new("--prompt") { Description = "Prompt text (needs the model's tokenizer.json); the continuation is printed before the ids." };
        Option<int> maxTokens = new("--max-tokens") { Description = "Tokens to generate.", DefaultValueFactory = _ => 16 };
        Option<bool> greedy = new("--greedy") { Description = "Greedy decoding (same as --temperature 0)." };
        Option<double> temperature = new("--temperature") { Description = "Sampling temperature (0 = greedy).", DefaultValueFactory = _ => 1.0 };
        Option<double> topP = new("--top-p") { Description = "Nucleus sampling mass in (0, 1].", DefaultValueFactory = _ => 1.0 };
        Option<int> topK = new("--top-k") { Description = "Keep the K most likely tokens (0 = off).", DefaultValueFactory = _ => 0 };
        Option<double> repetitionPenalty = new("--repetition-penalty") { Description = "Penalty on repeated tokens (1 = off).", DefaultValueFactory = _ => 1.0 };
        Option<int?> seed = new("--seed") { Description = "Random seed (same seed, same output)." };
        Option<bool> printIds = new("--print-ids") { Description = "Print the generated ids as the last line (always on; kept for the contract)." };
        Option<int> printLogits = new("--print-logits") { Description = "Also print the first K logits at every position.", DefaultValueFactory = _ => 0 };
        Option<string> device = new("--device") { Description = "cpu or cuda.", DefaultValueFactory = _ => "cpu" };
        Option<string> dtype = new("--dtype") { Description = "float32, bfloat16 or float16.", DefaultValueFactory = _ => "float32" };
        maxTokens.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--max-tokens must be >= 0"); });
        printLogits.Validators.Add(r => { if (r.GetValueOrDefault<int>() < 0) r.AddError("--print-logits must be >= 0"); });

        var command = new Command("generate", "Generate from token ids with the engine, without HTTP, and print the ids.")
        {
            model, promptIds, prompt, maxTokens, greedy, temperature, topP, topK, repetitionPenalty, seed, printIds, printLogits, device, dtype,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(promptIds) is null) == (result.GetResult(prompt) is null)) result.AddError("Give either --prompt-ids or --prompt.");
        });
        command.SetAction(parse =>
        {
            string modelDirectory = ModelLocator.Resolve(parse.GetValue(model));
            BpeTokenizer? tokenizer = null;
            IReadOnlyList<int> ids;
            if (parse.GetValue(prompt) is string text)
            {
                string path = Path.Combine(modelDirectory, "tokenizer.json");
                if (!File.Exists(path)) throw new ArgumentException($"--prompt needs {path}; this model is used with --prompt-ids");
                tokenizer = BpeTokenizer.Load(path);
                ids = tokenizer.Encode(text);
                if (ids.Count == 0) throw new ArgumentException("--prompt is empty");
            }
            else
            {
                ids = ParseIds(parse.GetValue(promptIds)!);
            }
            var options = new GenerateOptions(
                modelDirectory,
                ids,
                parse.GetValue(maxTokens),
                new SamplingOptions
                {
                    Temperature = parse.GetValue(greedy) ? 0 : parse.GetValue(temperature),
                    TopP = parse.GetValue(topP),
                    TopK = parse.GetValue(topK),
                    RepetitionPenalty = parse.GetValue(repetitionPenalty),
                    Seed = parse.GetValue(seed),
                },
                parse.GetValue(printLogits),
                ModelLocator.ParseDevice(parse.GetRequiredValue(device)),
                CausalLM.ParseDType(parse.GetRequiredValue(dtype)));
            return Run(options, parse.InvocationConfiguration.Output, tokenizer);
        });
        return command;
    }

    /// <summary>Loads the model, generates, and writes logits lines (if asked) and the ids line.</summary>
    public static int Run(GenerateOptions options, TextWriter output, BpeTokenizer? tokenizer = null)
    {
        options.Sampling.Validate();
        using CausalLM model = CausalLM.Load(options.ModelDirectory, options.DType, options.Device);
        var request = new GenerationRequest(options.PromptIds, options.MaxTokens, options.Sampling, model.Config.EosTokenIds);
        BatchGenerator.LogitsObserver? observer = null;
        if (options.PrintLogits > 0)
        {
            int k = (int)Math.Min(options.PrintLogits, model.Config.VocabSize);
            observer = (_, position, logits) =>
            {
                float[] first = logits.narrow(0, 0, k).cpu().data<float>().ToArray();
                output.WriteLine($"logits[{position}]: {string.Join(' ', first.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}");
            };
        }
        GenerationResult result = BatchGenerator.Generate(model, [request], observer)[0];
        if (tokenizer is not null) output.WriteLine(tokenizer.Decode(result.Tokens, skipSpecialTokens: true));
        output.WriteLine(string.Join(',', result.Tokens));
        return 0;
    }

    /// <summary>Parses "1,2,3" into ids.</summary>
    /// <exception cref="ArgumentException">Empty, or a part that is not a non-negative integer (named).</exception>
    public static int[] ParseIds(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new ArgumentException("--prompt-ids is empty; give comma-separated token ids such as 1,2,3");
        return parts.Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out int id)
            ? id
            : throw new ArgumentException($"--prompt-ids: '{p}' is not a token id (a non-negative integer)")).ToArray();
    }
}
