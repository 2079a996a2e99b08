using System.CommandLine;
using System.Globalization;
using CodeGen.Model;
using CodeGen.Model.Gguf;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Engine;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
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
        EngineFlags flags = new();
        flags.AddTo(command);
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
                if (GgufModel.IsGguf(modelDirectory))
                {
                    tokenizer = GgufModel.Open(modelDirectory).Tokenizer
                        ?? throw new ArgumentException($"--prompt needs a byte-level (gpt2) vocabulary; {modelDirectory} has a SentencePiece one: use --prompt-ids");
                }
                else
                {
                    string path = Path.Combine(modelDirectory, "tokenizer.json");
                    if (!File.Exists(path)) throw new ArgumentException($"--prompt needs {path}; this model is used with --prompt-ids");
                    tokenizer = BpeTokenizer.Load(path);
                }
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
                CausalLM.ParseDType(parse.GetRequiredValue(dtype)))
            {
                Engine = flags.Read(parse) with { MaxBatch = 1 },
            };
            return Run(options, parse.InvocationConfiguration.Output, tokenizer);
        });
        return command;
    }

    /// <summary>
    /// Loads the model, runs the request through the same engine the server uses (scheduler, backend, sampler),
    /// and writes logits lines (if asked) and the ids line.
    /// </summary>
    public static int Run(GenerateOptions options, TextWriter output, BpeTokenizer? tokenizer = null)
    {
        options.Sampling.Validate();
        EngineOptions engine = options.Engine ?? new EngineOptions { MaxBatch = 1 };
        engine.Validate();
        using var host = new ModelHost(options.ModelDirectory, options.DType, options.Device, engine);
        if (options.PromptIds.Count >= host.MaxContext)
            throw new ArgumentException($"the prompt has {options.PromptIds.Count} tokens; the context is {host.MaxContext}, leaving no room to generate");
        foreach (int id in options.PromptIds)
        {
            if (id >= host.Config.VocabSize) throw new ArgumentException($"--prompt-ids: {id} is outside the vocabulary (size {host.Config.VocabSize})");
        }
        int k = (int)Math.Min(options.PrintLogits, host.Config.VocabSize);
        var job = new GenerationJob("generate", options.PromptIds, Math.Min(options.MaxTokens, host.MaxContext - options.PromptIds.Count),
            options.Sampling, [], host.StopTokenIds, null)
        {
            ObserveLogits = k == 0 ? null : (position, logits) =>
                output.WriteLine($"logits[{position}]: {string.Join(' ', logits[..k].ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}"),
        };
        using var loop = new EngineLoop(host, engine, new EngineMetrics(), NullLogger<EngineLoop>.Instance);
        loop.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
        var tokens = new List<int>();
        ChannelReader<TokenEvent> reader = loop.TrySubmit([job], CancellationToken.None, out string? rejection)?[0]
            ?? throw new InvalidOperationException($"the engine refused the request ({rejection})");
        string? error = null;
        foreach (TokenEvent e in reader.ReadAllAsync().ToBlockingEnumerable())
        {
            if (e.TokenId >= 0) tokens.Add(e.TokenId);
            if (e.FinishReason is "error" or "timeout" or "cancelled") error = e.Error ?? e.FinishReason;
        }
        loop.StopAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (error is not null) throw new InvalidOperationException($"generation failed: {error}");
        if (tokenizer is not null) output.WriteLine(tokenizer.Decode(tokens, skipSpecialTokens: true));
        output.WriteLine(string.Join(',', tokens));
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
