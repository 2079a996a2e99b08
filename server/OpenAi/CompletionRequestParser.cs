using System.Text.Json;
using CodeGen.Model.Tokenization;
using CodeGen.Server.Constraints;
using CodeGen.Server.Decoding;

namespace CodeGen.Server.OpenAi;

/// <summary>
/// Reads and validates the JSON body of /v1/completions and /v1/chat/completions by hand, so every bad field gets
/// a 400 whose message names it (a binder's generic error would not).
/// </summary>
internal static class CompletionRequestParser
{
    public const int MaxN = 16;
    public const int MaxLogprobs = 20;
    public const int MaxStops = 16;

    // Fields read below, plus those that do not change the output (user, metadata, store, service_tier).
    private static readonly HashSet<string> CompletionFields =
    [
        "model", "prompt", "suffix", "max_tokens", "temperature", "top_p", "top_k", "n", "best_of", "stop", "stream", "stream_options",
        "seed", "logprobs", "echo", "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "constrain", "speculative",
        "user", "metadata", "store", "service_tier",
    ];

    private static readonly HashSet<string> ChatFields =
    [
        "model", "messages", "max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "n", "stop", "stream", "stream_options",
        "seed", "logprobs", "top_logprobs", "presence_penalty", "frequency_penalty", "repetition_penalty", "logit_bias", "constrain", "speculative",
        "response_format", "user", "metadata", "store", "service_tier", "parallel_tool_calls",
    ];

    /// <summary>Parses a completions body; <paramref name="chatPrompt"/> renders chat messages when given (chat endpoint).</summary>
    /// <param name="models">The ids <c>model</c> may name: the base model's, then each adapter's.</param>
    /// <param name="draftModel">Whether the server has a draft model (<c>speculative: "draft"</c>).</param>
    public static CompletionRequest Parse(JsonElement root, IReadOnlyList<string> models, int vocabSize, int context, BpeTokenizer? tokenizer,
        Func<JsonElement, string>? chatPrompt = null, bool draftModel = false)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new RequestValidationException("request body must be a JSON object");
        HashSet<string> known = chatPrompt is null ? CompletionFields : ChatFields;
        foreach (JsonProperty property in root.EnumerateObject())
        {
            if (!known.Contains(property.Name))
                throw new RequestValidationException($"{property.Name}: this field is not supported by this server (it would change the output); remove it");
        }
        if (OptionalInt(root, "best_of") is int bestOf && bestOf != (OptionalInt(root, "n") ?? 1))
            throw new RequestValidationException($"best_of: {bestOf} is not supported (only best_of equal to n); use n");
        if (root.TryGetProperty("response_format", out JsonElement format) && format.ValueKind != JsonValueKind.Null
            && !(format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "text"))
            throw new RequestValidationException("response_format: only {\"type\": \"text\"} is supported");
        string? model = OptionalString(root, "model");
        if (model is not null && !models.Contains(model))
        {
            throw new RequestValidationException(
                $"model '{model}' is not served here; this server serves {string.Join(", ", models.Select(m => $"'{m}'"))}", StatusCodes.Status404NotFound, "model_not_found");
        }
        ISyntaxConstraint? constraint = Constraint(root, tokenizer);
        SpeculativeMode speculative = Speculative(root, draftModel);

        List<int> ids;
        string promptText;
        if (chatPrompt is not null)
        {
            if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
                throw new RequestValidationException("messages must be a non-empty array of {role, content}");
            promptText = chatPrompt(messages);
            ids = [.. tokenizer!.Encode(promptText)];
        }
        else
        {
            (ids, promptText) = Prompt(root, tokenizer, vocabSize);
        }
        bool hasSuffix = root.TryGetProperty("suffix", out JsonElement suffix) && suffix.ValueKind != JsonValueKind.Null;
        if (hasSuffix)
        {
            if (suffix.ValueKind != JsonValueKind.String) throw new RequestValidationException("suffix must be a string");
            if (tokenizer is not { FimPrefixId: int pre, FimSuffixId: int suf, FimMiddleId: int mid })
                throw new RequestValidationException("suffix (fill-in-the-middle) needs a tokenizer with <|fim_prefix|>, <|fim_suffix|> and <|fim_middle|> tokens");
            ids = [pre, .. ids, suf, .. tokenizer.Encode(suffix.GetString()!, parseSpecialTokens: false), mid];
        }
        if (ids.Count >= context)
            throw new RequestValidationException($"prompt has {ids.Count} tokens; the model's context is {context} tokens, leaving no room to generate");
        // The constraint continues the code before the cursor: the prompt (chat: the reply alone is the code).
        string constraintContext = chatPrompt is null ? promptText : "";
        if (constraint is not null && constraint.Begin(constraintContext).Check("") is { Viable: false } verdict)
            throw new RequestValidationException($"constrain: the prompt is not the beginning of valid {constraint.Name} code ({verdict.Reason}), so no completion can satisfy the constraint");

        int maxTokens = OptionalInt(root, chatPrompt is null ? "max_tokens" : "max_completion_tokens") ?? OptionalInt(root, "max_tokens") ?? 16;
        if (maxTokens < 0) throw new RequestValidationException($"max_tokens must be >= 0, got {maxTokens}");
        double temperature = OptionalDouble(root, "temperature") ?? 1.0;
        if (temperature < 0 || double.IsNaN(temperature)) throw new RequestValidationException($"temperature must be >= 0, got {temperature}");
        double topP = OptionalDouble(root, "top_p") ?? 1.0;
        if (!(topP > 0 && topP <= 1)) throw new RequestValidationException($"top_p must be in (0, 1], got {topP}");
        int topK = OptionalInt(root, "top_k") ?? 0;
        if (topK < 0) throw new RequestValidationException($"top_k must be >= 0, got {topK}");
        double penalty = OptionalDouble(root, "repetition_penalty") ?? 1.0;
        if (!(penalty > 0)) throw new RequestValidationException($"repetition_penalty must be > 0, got {penalty}");
        double presence = OptionalDouble(root, "presence_penalty") ?? 0;
        if (!(presence is >= -2 and <= 2)) throw new RequestValidationException($"presence_penalty must be between -2 and 2, got {presence}");
        double frequency = OptionalDouble(root, "frequency_penalty") ?? 0;
        if (!(frequency is >= -2 and <= 2)) throw new RequestValidationException($"frequency_penalty must be between -2 and 2, got {frequency}");
        int n = OptionalInt(root, "n") ?? 1;
        if (n is < 1 or > MaxN) throw new RequestValidationException($"n must be between 1 and {MaxN}, got {n}");
        int? logprobs = root.TryGetProperty("logprobs", out JsonElement lp) && lp.ValueKind == JsonValueKind.True ? 0 : OptionalInt(root, "logprobs");
        if (chatPrompt is not null && logprobs is not null) logprobs = OptionalInt(root, "top_logprobs") ?? 0;
        if (logprobs is < 0 or > MaxLogprobs) throw new RequestValidationException($"logprobs must be between 0 and {MaxLogprobs}, got {logprobs}");

        return new CompletionRequest
        {
            Model = model,
            PromptIds = ids,
            PromptText = promptText,
            // Clamped, not rejected, when the context leaves less room: finish_reason "length" tells the client.
            MaxTokens = Math.Min(maxTokens, context - ids.Count),
            Temperature = temperature,
            TopP = topP,
            TopK = topK,
            RepetitionPenalty = penalty,
            PresencePenalty = presence,
            FrequencyPenalty = frequency,
            LogitBias = LogitBias(root, vocabSize),
            IncludeUsage = IncludeUsage(root),
            N = n,
            Stop = Stops(root),
            Stream = OptionalBool(root, "stream") ?? false,
            Seed = OptionalInt(root, "seed"),
            Logprobs = logprobs,
            Echo = OptionalBool(root, "echo") ?? false,
            Constraint = constraint,
            ConstraintContext = constraintContext,
            HasSuffix = hasSuffix,
            Speculative = speculative,
        };
    }

    private static ISyntaxConstraint? Constraint(JsonElement root, BpeTokenizer? tokenizer)
    {
        string? value = OptionalString(root, "constrain");
        if (value is null or "none") return null;
        if (value == "csharp-typed")
            throw new RequestValidationException("constrain: 'csharp-typed' is not available yet (type-aware decoding is not implemented); use \"csharp\" or \"none\"");
        ISyntaxConstraint constraint = SyntaxConstraints.Find(value)
            ?? throw new RequestValidationException($"constrain: '{value}' is not one of none, {string.Join(", ", SyntaxConstraints.Names)}");
        if (tokenizer is null) throw new RequestValidationException("constrain: this model has no tokenizer.json, so its tokens' text is unknown");
        return constraint;
    }

    private static SpeculativeMode Speculative(JsonElement root, bool draftModel)
    {
        string? value = OptionalString(root, "speculative");
        return value switch
        {
            null or "none" => SpeculativeMode.None,
            "ngram" => SpeculativeMode.Ngram,
            "draft" when draftModel => SpeculativeMode.Draft,
            "draft" => throw new RequestValidationException("speculative: 'draft' needs a draft model: start the server with --draft-model DIR, or use \"ngram\""),
            _ => throw new RequestValidationException($"speculative: '{value}' is not one of none, draft, ngram"),
        };
    }

    private static (List<int>, string) Prompt(JsonElement root, BpeTokenizer? tokenizer, int vocabSize)
    {
        if (!root.TryGetProperty("prompt", out JsonElement prompt) || prompt.ValueKind == JsonValueKind.Null)
            throw new RequestValidationException("prompt is required (a string or an array of token ids)");
        if (prompt.ValueKind == JsonValueKind.String)
        {
            string text = prompt.GetString()!;
            if (text.Length == 0) throw new RequestValidationException("prompt is empty");
            if (tokenizer is null) throw new RequestValidationException("this model has no tokenizer.json: send the prompt as an array of token ids");
            return ([.. tokenizer.Encode(text)], text);
        }
        if (prompt.ValueKind != JsonValueKind.Array) throw new RequestValidationException("prompt must be a string or an array of token ids");
        if (prompt.GetArrayLength() == 0) throw new RequestValidationException("prompt is empty");
        var ids = new List<int>();
        int index = 0;
        foreach (JsonElement item in prompt.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String || item.ValueKind == JsonValueKind.Array)
                throw new RequestValidationException("a list of several prompts is not supported; send one prompt per request (use n for several samples)");
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int id))
                throw new RequestValidationException($"prompt[{index}] is not a token id (an integer)");
            if (id < 0 || id >= vocabSize)
                throw new RequestValidationException($"prompt[{index}] = {id} is not a valid token id (vocabulary size {vocabSize})");
            ids.Add(id);
            index++;
        }
        return (ids, tokenizer?.Decode(ids) ?? "");
    }

    private static Dictionary<int, float>? LogitBias(JsonElement root, int vocabSize)
    {
        if (!root.TryGetProperty("logit_bias", out JsonElement bias) || bias.ValueKind == JsonValueKind.Null) return null;
        if (bias.ValueKind != JsonValueKind.Object) throw new RequestValidationException("logit_bias must be an object mapping token ids to biases");
        var result = new Dictionary<int, float>();
        foreach (JsonProperty entry in bias.EnumerateObject())
        {
            if (!int.TryParse(entry.Name, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int id) || id >= vocabSize)
                throw new RequestValidationException($"logit_bias: '{entry.Name}' is not a token id (vocabulary size {vocabSize})");
            if (entry.Value.ValueKind != JsonValueKind.Number || !(entry.Value.GetDouble() is >= -100 and <= 100))
                throw new RequestValidationException($"logit_bias[{entry.Name}] must be a number between -100 and 100");
            result[id] = (float)entry.Value.GetDouble();
        }
        return result.Count == 0 ? null : result;
    }

    private static bool IncludeUsage(JsonElement root)
    {
        if (!root.TryGetProperty("stream_options", out JsonElement options) || options.ValueKind == JsonValueKind.Null) return false;
        if (options.ValueKind != JsonValueKind.Object) throw new RequestValidationException("stream_options must be an object");
        foreach (JsonProperty p in options.EnumerateObject())
        {
            if (p.Name != "include_usage") throw new RequestValidationException($"stream_options.{p.Name} is not supported");
        }
        return OptionalBool(options, "include_usage") ?? false;
    }

    private static IReadOnlyList<string> Stops(JsonElement root)
    {
        if (!root.TryGetProperty("stop", out JsonElement stop) || stop.ValueKind == JsonValueKind.Null) return [];
        if (stop.ValueKind == JsonValueKind.String) return stop.GetString()!.Length == 0 ? [] : [stop.GetString()!];
        if (stop.ValueKind != JsonValueKind.Array) throw new RequestValidationException("stop must be a string or an array of strings");
        if (stop.GetArrayLength() > MaxStops) throw new RequestValidationException($"stop may hold at most {MaxStops} sequences");
        return stop.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new RequestValidationException("stop must be a string or an array of strings")).Where(s => s.Length > 0).ToArray();
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.String ? e.GetString() : throw new RequestValidationException($"{name} must be a string");

    private static int? OptionalInt(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v) ? v
        : throw new RequestValidationException($"{name} must be an integer");

    private static double? OptionalDouble(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind == JsonValueKind.Number ? e.GetDouble()
        : throw new RequestValidationException($"{name} must be a number");

    private static bool? OptionalBool(JsonElement root, string name) =>
        !root.TryGetProperty(name, out JsonElement e) || e.ValueKind == JsonValueKind.Null ? null
        : e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean()
        : throw new RequestValidationException($"{name} must be true or false");
}
