using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CodeGen.Model;
using CodeGen.Model.Sampling;
using CodeGen.Model.Tokenization;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Endpoints;

public sealed class CompletionEndpointsTests(ServerFixture server) : IClassFixture<ServerFixture>
{
    private const string Prompt = "def add(a, b):\n    return";

    private BpeTokenizer Tokenizer => BpeTokenizer.Load(Path.Combine(server.ModelDirectory, "tokenizer.json"));

    private string ExpectedGreedy(string prompt, int maxTokens) => Tokenizer.Decode(GreedyResult(prompt, maxTokens).Tokens, skipSpecialTokens: true);

    // The no-cache full-forward reference: tokens, and "length" when it ran to maxTokens (else it met EOS).
    private (List<int> Tokens, string FinishReason) GreedyResult(string prompt, int maxTokens)
    {
        using var model = CausalLM.Load(server.ModelDirectory, float32, CPU);
        var ids = Tokenizer.Encode(prompt);
        List<int> tokens = CodeGen.TestUtils.ReferenceDecoder.Greedy(model, ids, maxTokens, model.Config.EosTokenIds);
        return (tokens, tokens.Count == maxTokens ? "length" : "stop");
    }

    private static async Task<List<JsonElement>> ReadEventsAsync(HttpResponseMessage response)
    {
        var events = new List<JsonElement>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? line;
        bool done = false;
        while ((line = await reader.ReadLineAsync()) is not null)
        {
            if (!line.StartsWith("data: ", StringComparison.Ordinal)) continue;
            string data = line[6..];
            if (data == "[DONE]")
            {
                done = true;
                break;
            }
            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }
        Assert.True(done, "stream did not end with data: [DONE]");
        return events;
    }

    [Fact]
    public async Task Completions_Greedy_EqualsOfflineGeneratorText()
    {
        (HttpStatusCode status, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 12, temperature = 0 });
        Assert.Equal(HttpStatusCode.OK, status);
        JsonElement choice = body.GetProperty("choices")[0];
        Assert.Equal(ExpectedGreedy(Prompt, 12), choice.GetProperty("text").GetString());
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(Tokenizer.Encode(Prompt).Count, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completions_Stream_ChunksConcatenateToTheSameTextAndEndWithDone()
    {
        (_, JsonElement whole) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 10, temperature = 0 });
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = Prompt, max_tokens = 10, temperature = 0, stream = true }),
        };
        using HttpResponseMessage response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        List<JsonElement> events = await ReadEventsAsync(response);
        string text = string.Concat(events.Select(e => e.GetProperty("choices")[0].GetProperty("text").GetString()));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("text").GetString(), text);
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("finish_reason").GetString(),
            events[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completions_StopSequence_TextEndsBeforeItWithFinishStop()
    {
        string free = ExpectedGreedy(Prompt, 20);
        Assert.True(free.Length >= 6, $"greedy text too short to pick a stop sequence: '{free}'");
        string stop = free.Substring(3, 3);
        int at = free.IndexOf(stop, StringComparison.Ordinal);
        (_, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 20, temperature = 0, stop = new[] { stop } });
        JsonElement choice = body.GetProperty("choices")[0];
        Assert.Equal(free[..at], choice.GetProperty("text").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Completions_NWithSeed_SameSeedSameChoicesAndChoicesDiffer()
    {
        var request = new { prompt = Prompt, max_tokens = 16, temperature = 1.0, n = 3, seed = 1234 };
        (_, JsonElement a) = await server.PostAsync("/v1/completions", request);
        (_, JsonElement b) = await server.PostAsync("/v1/completions", request);
        string[] Texts(JsonElement body) => body.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("text").GetString()!).ToArray();
        Assert.Equal(3, Texts(a).Length);
        Assert.Equal(Texts(a), Texts(b));
        Assert.Equal([0, 1, 2], a.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.True(Texts(a).Distinct().Count() > 1, "three seeded samples should not all be equal");
    }

    [Fact]
    public async Task Completions_LogprobsAndEcho_OneEntryPerTokenAndPromptPrefix()
    {
        (_, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 5, temperature = 0, logprobs = 3, echo = true });
        JsonElement choice = body.GetProperty("choices")[0];
        Assert.StartsWith(Prompt, choice.GetProperty("text").GetString());
        JsonElement logprobs = choice.GetProperty("logprobs");
        Assert.Equal(5, logprobs.GetProperty("tokens").GetArrayLength());
        Assert.Equal(5, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        foreach (JsonElement top in logprobs.GetProperty("top_logprobs").EnumerateArray())
        {
            Assert.InRange(top.EnumerateObject().Count(), 1, 3);
            Assert.All(top.EnumerateObject(), p => Assert.True(p.Value.GetDouble() <= 0));
        }
        // Greedy: the chosen token is the most likely one.
        double first = logprobs.GetProperty("token_logprobs")[0].GetDouble();
        Assert.Equal(logprobs.GetProperty("top_logprobs")[0].EnumerateObject().Max(p => p.Value.GetDouble()), first, 4);
    }

    [Fact]
    public async Task Completions_TokenIdPrompt_Accepted()
    {
        var ids = Tokenizer.Encode(Prompt);
        (HttpStatusCode status, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = ids, max_tokens = 12, temperature = 0 });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ExpectedGreedy(Prompt, 12), body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Completions_MaxTokensBeyondContext_ClampedWithFinishLength()
    {
        (HttpStatusCode status, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 100_000, temperature = 0, stop = new[] { "\u0001" } });
        Assert.Equal(HttpStatusCode.OK, status);
        // The offline engine with the budget clamped to the 256-token context: this model does not emit EOS first,
        // so the clamp is what ends it.
        int promptTokens = Tokenizer.Encode(Prompt).Count;
        Assert.Equal("length", GreedyResult(Prompt, 256 - promptTokens).FinishReason);
        JsonElement usage = body.GetProperty("usage");
        Assert.Equal("length", body.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(256, usage.GetProperty("total_tokens").GetInt32()); // the context
        Assert.Equal(256 - promptTokens, usage.GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task Batching_16ConcurrentGreedyRequests_EqualTheSameRequestsOneAtATime()
    {
        string[] prompts = Enumerable.Range(0, 16).Select(i => $"def f{i}(x):\n    return x * {i}").ToArray();
        // Lengths 10, 11 and 12, so requests leave the running batch at different steps.
        int MaxTokens(int i) => 10 + i % 3;
        var sequential = new List<(string Text, int Tokens)>();
        for (int i = 0; i < prompts.Length; i++)
        {
            (_, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = prompts[i], max_tokens = MaxTokens(i), temperature = 0 });
            sequential.Add((body.GetProperty("choices")[0].GetProperty("text").GetString()!, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32()));
        }
        var concurrent = await Task.WhenAll(prompts.Select(async (p, i) =>
        {
            (_, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = p, max_tokens = MaxTokens(i), temperature = 0 });
            return (body.GetProperty("choices")[0].GetProperty("text").GetString()!, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }));
        Assert.Equal(sequential, concurrent);
        Assert.Equal([10, 11, 12], sequential.Select(s => s.Tokens).Distinct().Order());
    }

    [Fact]
    public async Task Stream_ClientDisconnects_SlotFreedAndOthersFinish()
    {
        Task<(HttpStatusCode, JsonElement)> other = server.PostAsync("/v1/completions", new { prompt = "class A:", max_tokens = 30, temperature = 0 });
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = Prompt, max_tokens = 200, temperature = 0.8, seed = 1, stream = true, stop = new[] { "\u0001" } }),
        };
        HttpResponseMessage response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.StartsWith("data: ", await reader.ReadLineAsync());
        response.Dispose(); // disconnect mid-stream
        (HttpStatusCode status, JsonElement body) = await other;
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(ExpectedGreedy("class A:", 30), body.GetProperty("choices")[0].GetProperty("text").GetString());
        for (int i = 0; i < 200 && server.EngineLoop.InFlight > 0; i++) await Task.Delay(25);
        Assert.Equal(0, server.EngineLoop.InFlight);
        Assert.Equal(0, await server.MetricAsync("codegen_kv_cache_blocks_used"));
    }

    [Fact]
    public async Task PrefixCache_PromptExtendingThePrevious_ReusesItsKvAndGivesTheSameText()
    {
        // Token-id prompts, so the second extends the first exactly. max_tokens 1: the first request's KV holds its
        // prompt only (a sampled last token is never run), so its 2 full blocks of 16 (positions 0-31) are shared.
        int[] first = Enumerable.Range(0, 37).Select(i => (i * 31 + 7) % 1000).ToArray();
        int[] second = [.. first, 5, 6, 7];
        await server.PostAsync("/v1/completions", new { prompt = first, max_tokens = 1, temperature = 0 });
        double before = await server.MetricAsync("codegen_prefix_cache_hit_tokens_total");
        (_, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = second, max_tokens = 8, temperature = 0 });
        double reused = await server.MetricAsync("codegen_prefix_cache_hit_tokens_total") - before;
        Assert.Equal(32, reused);
        using var model = CausalLM.Load(server.ModelDirectory, float32, CPU);
        string expected = Tokenizer.Decode(CodeGen.TestUtils.ReferenceDecoder.Greedy(model, second, 8, model.Config.EosTokenIds), skipSpecialTokens: true);
        Assert.Equal(expected, body.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Chat_ChatMlTemplate_AnswersAsAssistant()
    {
        (HttpStatusCode status, JsonElement body) = await server.PostAsync("/v1/chat/completions", new
        {
            messages = new[] { new { role = "user", content = "Write a function." } },
            max_tokens = 6,
            temperature = 0,
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        JsonElement message = body.GetProperty("choices")[0].GetProperty("message");
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        string expected = ExpectedGreedy("<|im_start|>user\nWrite a function.<|im_end|>\n<|im_start|>assistant\n", 6);
        int end = expected.IndexOf("<|im_end|>", StringComparison.Ordinal);
        Assert.Equal(end >= 0 ? expected[..end] : expected, message.GetProperty("content").GetString());
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"prompt\": \"x\", ", "malformed JSON" },
        { "[1, 2]", "request body must be a JSON object" },
        { "{\"prompt\": \"x\", \"max_tokens\": \"ten\"}", "max_tokens must be an integer" },
        { "{\"prompt\": \"x\", \"max_tokens\": -1}", "max_tokens must be >= 0, got -1" },
        { "{\"prompt\": \"\"}", "prompt is empty" },
        { "{\"prompt\": []}", "prompt is empty" },
        { "{\"max_tokens\": 3}", "prompt is required (a string or an array of token ids)" },
        { "{\"prompt\": [1, 5000]}", "prompt[1] = 5000 is not a valid token id (vocabulary size 1024)" },
        { "{\"prompt\": [1, -3]}", "prompt[1] = -3 is not a valid token id (vocabulary size 1024)" },
        { "{\"prompt\": \"x\", \"temperature\": -0.5}", "temperature must be >= 0, got -0.5" },
        { "{\"prompt\": \"x\", \"top_p\": 0}", "top_p must be in (0, 1], got 0" },
        { "{\"prompt\": \"x\", \"top_p\": 1.5}", "top_p must be in (0, 1], got 1.5" },
        { "{\"prompt\": \"x\", \"n\": 0}", "n must be between 1 and 16, got 0" },
        { "{\"prompt\": \"x\", \"stop\": 5}", "stop must be a string or an array of strings" },
        { "{\"prompt\": \"x\", \"constrain\": \"ruby\"}", "constrain: 'ruby' is not one of none, csharp, python" },
        { "{\"prompt\": \"x\", \"constrain\": \"csharp-typed\"}", "constrain: 'csharp-typed' is not available yet" },
        { "{\"prompt\": \"int x = 1;)\", \"constrain\": \"csharp\"}", "constrain: the prompt is not the beginning of valid csharp code (CS" },
        { "{\"prompt\": \"x\", \"speculative\": \"draft\"}", "speculative: 'draft' needs a draft model: start the server with --draft-model DIR" },
        { "{\"prompt\": \"x\", \"speculative\": \"eagle\"}", "speculative: 'eagle' is not one of none, draft, ngram" },
        { "{\"prompt\": \"x\", \"mirostat\": 2}", "mirostat: this field is not supported by this server (it would change the output); remove it" },
        { "{\"prompt\": \"x\", \"best_of\": 3}", "best_of: 3 is not supported (only best_of equal to n); use n" },
        { "{\"prompt\": \"x\", \"presence_penalty\": 2.5}", "presence_penalty must be between -2 and 2, got 2.5" },
        { "{\"prompt\": \"x\", \"frequency_penalty\": -3}", "frequency_penalty must be between -2 and 2, got -3" },
        { "{\"prompt\": \"x\", \"logit_bias\": {\"abc\": 1}}", "logit_bias: 'abc' is not a token id (vocabulary size 1024)" },
        { "{\"prompt\": \"x\", \"logit_bias\": {\"5\": 500}}", "logit_bias[5] must be a number between -100 and 100" },
        { "{\"prompt\": \"x\", \"stream_options\": {\"chunk\": 1}}", "stream_options.chunk is not supported" },
    };

    [Fact]
    public async Task Completions_LogitBiasAndPenalties_ChangeTheGreedyChoiceAsSpecified()
    {
        (_, JsonElement plain) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 6, temperature = 0, logprobs = 0 });
        var plainTokens = plain.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("tokens").EnumerateArray().Select(t => t.GetString()).ToArray();
        int firstId = Tokenizer.TokenToId(Tokenizer.IdToToken(Tokenizer.Encode(plainTokens[0]!)[0])!)!.Value;
        // Banning the first greedy token makes the first token differ; user and metadata fields are accepted as harmless.
        (HttpStatusCode status, JsonElement banned) = await server.PostAsync("/v1/completions", new
        {
            prompt = Prompt, max_tokens = 6, temperature = 0, logprobs = 0, user = "u1",
            logit_bias = new Dictionary<string, int> { [firstId.ToString(System.Globalization.CultureInfo.InvariantCulture)] = -100 },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.NotEqual(plainTokens[0], banned.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("tokens")[0].GetString());
        // A frequency penalty of 2 on a text that repeats a token: the output changes once a token would repeat.
        (_, JsonElement penalised) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 24, temperature = 0, frequency_penalty = 2.0, presence_penalty = 2.0 });
        (_, JsonElement free) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 24, temperature = 0 });
        string freeText = free.GetProperty("choices")[0].GetProperty("text").GetString()!;
        var freeIds = Tokenizer.Encode(freeText);
        if (freeIds.Distinct().Count() < freeIds.Count)
            Assert.NotEqual(freeText, penalised.GetProperty("choices")[0].GetProperty("text").GetString());
        else
            Assert.Equal(freeText, penalised.GetProperty("choices")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Stream_IncludeUsage_LastChunkBeforeDoneCarriesUsage()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/completions")
        {
            Content = JsonContent.Create(new { prompt = Prompt, max_tokens = 5, temperature = 0, stream = true, stream_options = new { include_usage = true } }),
        };
        using HttpResponseMessage response = await server.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        List<JsonElement> events = await ReadEventsAsync(response);
        JsonElement usage = events[^1].GetProperty("usage");
        Assert.Equal(0, events[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(Tokenizer.Encode(Prompt).Count, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usage.GetProperty("completion_tokens").GetInt32());
        Assert.False(events[0].TryGetProperty("usage", out _));
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Completions_BadInput_400WithMessageAndServerKeepsServing(string body, string message)
    {
        (HttpStatusCode status, JsonElement error) = await server.PostRawAsync("/v1/completions", Encoding.UTF8.GetBytes(body));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_request_error", error.GetProperty("error").GetProperty("type").GetString());
        Assert.StartsWith(message, error.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task Completions_PromptOverContext_400SaysTheNumbers()
    {
        int[] ids = Enumerable.Repeat(65, 300).ToArray();
        (HttpStatusCode status, JsonElement error) = await server.PostAsync("/v1/completions", new { prompt = ids });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("prompt has 300 tokens; the model's context is 256 tokens, leaving no room to generate", error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Completions_InvalidUtf8_400()
    {
        byte[] body = [.. Encoding.ASCII.GetBytes("{\"prompt\": \"a"), 0xC3, 0x28, .. Encoding.ASCII.GetBytes("\"}")];
        (HttpStatusCode status, JsonElement error) = await server.PostRawAsync("/v1/completions", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("UTF-8", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Completions_50MegabyteBody_400AndServerKeepsServing()
    {
        byte[] body = Encoding.ASCII.GetBytes("{\"prompt\": \"" + new string('a', 50 << 20) + "\"}");
        (HttpStatusCode status, JsonElement error) = await server.PostRawAsync("/v1/completions", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("request body of 52428814 bytes exceeds the limit of 4194304 bytes", error.GetProperty("error").GetProperty("message").GetString());
        (HttpStatusCode after, _) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 2 });
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task Metrics_AfterRequests_PrometheusTextWithTheContractsSeries()
    {
        await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 3, temperature = 0 });
        string text = await server.Client.GetStringAsync("/metrics");
        foreach (string series in new[]
        {
            "codegen_requests_total{status=\"200\"}", "codegen_queue_depth", "codegen_running_batch_size", "codegen_generated_tokens_total",
            "codegen_time_to_first_token_seconds_bucket", "codegen_inter_token_latency_seconds_bucket",
            "codegen_kv_cache_blocks_total", "codegen_kv_cache_blocks_used", "codegen_kv_cache_block_size_tokens",
            "codegen_prefix_cache_hit_tokens_total", "codegen_preemptions_total",
            "codegen_spec_draft_tokens_total", "codegen_spec_accepted_tokens_total", "codegen_constraint_rejections_total",
            "codegen_constraint_check_seconds_bucket", "codegen_constraint_token_seconds_bucket", "codegen_engine_step_seconds_bucket",
        })
        {
            Assert.Contains(series, text);
        }
        Assert.Equal(16, await server.MetricAsync("codegen_kv_cache_block_size_tokens"));
        Assert.True(await server.MetricAsync("codegen_kv_cache_blocks_total") > 0);
        Assert.True(await server.MetricAsync("codegen_generated_tokens_total") >= 3);
    }

    [Fact]
    public async Task Metrics_ConstrainedRequest_OneConstraintTimePerGeneratedTokenAndStepTimes()
    {
        double tokensBefore = await server.MetricAsync("codegen_constraint_token_seconds_count");
        double stepsBefore = await server.MetricAsync("codegen_engine_step_seconds_count");
        (HttpStatusCode status, JsonElement body) = await server.PostAsync("/v1/completions", new { prompt = Prompt, max_tokens = 6, temperature = 0, constrain = "python" });
        Assert.Equal(HttpStatusCode.OK, status);
        int generated = body.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.True(generated > 0);
        // Other tests share this server, so the counts can only be bounded from below.
        Assert.True(await server.MetricAsync("codegen_constraint_token_seconds_count") - tokensBefore >= generated);
        Assert.True(await server.MetricAsync("codegen_engine_step_seconds_count") - stepsBefore >= generated);
        Assert.True(await server.MetricAsync("codegen_constraint_token_seconds_sum") > 0);
    }
}
