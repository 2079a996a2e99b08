using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CodeGen.Server.Tests.Backends;

/// <summary>The HTTP API over the llama.cpp backend, answer for answer against the TorchSharp backend on the same weights.</summary>
public sealed class LlamaServingTests(LlamaServingFixture servers) : IClassFixture<LlamaServingFixture>
{
    private static async Task<JsonElement> PostAsync(HttpClient client, string path, object body)
    {
        HttpResponseMessage response = await client.PostAsJsonAsync(path, body);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string[] Texts(JsonElement body) =>
        [.. body.GetProperty("choices").EnumerateArray().Select(c => c.TryGetProperty("text", out JsonElement t) ? t.GetString()! : c.GetProperty("message").GetProperty("content").GetString()!)];

    private static async Task<double> MetricAsync(HttpClient client, string name)
    {
        string text = await client.GetStringAsync("/metrics");
        string? line = text.Split('\n').FirstOrDefault(l => l.StartsWith(name + " ", StringComparison.Ordinal));
        Assert.True(line is not null, $"/metrics has no {name}");
        return double.Parse(line[(name.Length + 1)..], CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Completions_GreedyAndSeededSamples_SameTextsAsTorchSharp()
    {
        object[] requests =
        [
            new { prompt = "def add(a, b):\n    return", max_tokens = 24, temperature = 0 },
            new { prompt = "public static int", max_tokens = 16, temperature = 0.8, top_p = 0.9, n = 3, seed = 7 },
            new { prompt = "class A:", max_tokens = 12, temperature = 0, logprobs = 2, echo = true, stop = new[] { "\n\n" } },
            new { prompt = "x = ", suffix = "\nprint(x)", max_tokens = 8, temperature = 0, presence_penalty = 0.5, logit_bias = new Dictionary<string, int> { ["300"] = 5 } },
        ];
        foreach (object request in requests)
        {
            JsonElement torch = await PostAsync(servers.Torch, "/v1/completions", request);
            JsonElement llama = await PostAsync(servers.Llama, "/v1/completions", request);
            Assert.Equal(Texts(torch), Texts(llama));
            Assert.Equal(torch.GetProperty("usage").GetRawText(), llama.GetProperty("usage").GetRawText());
        }
    }

    [Fact]
    public async Task ConstrainedAndSpeculativeDecoding_OnTheLlamaBackend_SameTextsAsTorchSharpAndAsPlain()
    {
        const string prompt = "class Problem {\n    public static long Add(long a, long b) {\n        long total = a + b;\n        long again = a + b;\n        long";
        object[] requests =
        [
            new { prompt, max_tokens = 24, temperature = 0, constrain = "csharp" },
            new { prompt, max_tokens = 24, temperature = 0, speculative = "ngram" },
            new { prompt, max_tokens = 24, temperature = 0, constrain = "csharp", speculative = "ngram" },
            new { prompt = "def f(x):\n    return [x for x in", max_tokens = 16, temperature = 0.8, seed = 3, n = 2, constrain = "python" },
        ];
        double draftsBefore = await MetricAsync(servers.Llama, "codegen_spec_draft_tokens_total");
        foreach (object request in requests)
        {
            JsonElement torch = await PostAsync(servers.Torch, "/v1/completions", request);
            JsonElement llama = await PostAsync(servers.Llama, "/v1/completions", request);
            Assert.Equal(Texts(torch), Texts(llama));
        }
        // Speculation changes nothing in what is generated (greedy), on this backend too.
        JsonElement plain = await PostAsync(servers.Llama, "/v1/completions", new { prompt, max_tokens = 24, temperature = 0 });
        JsonElement spec = await PostAsync(servers.Llama, "/v1/completions", requests[1]);
        Assert.Equal(Texts(plain), Texts(spec));
        Assert.True(await MetricAsync(servers.Llama, "codegen_spec_draft_tokens_total") > draftsBefore, "no drafts on the llama backend");
    }

    [Fact]
    public async Task Chat_TemplateFromGgufMetadata_SameAnswerAsTorchSharp()
    {
        var request = new { messages = new[] { new { role = "user", content = "Write a function." } }, max_tokens = 8, temperature = 0 };
        Assert.Equal(Texts(await PostAsync(servers.Torch, "/v1/chat/completions", request)), Texts(await PostAsync(servers.Llama, "/v1/chat/completions", request)));
    }

    [Fact]
    public async Task Batching_8ConcurrentGreedyRequests_EqualTheSameRequestsOneAtATime()
    {
        string[] prompts = [.. Enumerable.Range(0, 8).Select(i => $"def f{i}(x):\n    return x * {i}")];
        var sequential = new List<string>();
        foreach (string p in prompts) sequential.Add(Texts(await PostAsync(servers.Llama, "/v1/completions", new { prompt = p, max_tokens = 16, temperature = 0 }))[0]);
        string[] concurrent = await Task.WhenAll(prompts.Select(async p => Texts(await PostAsync(servers.Llama, "/v1/completions", new { prompt = p, max_tokens = 16, temperature = 0 }))[0]));
        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public async Task PrefixCache_PromptExtendingThePrevious_ReusesAllButItsLastTokenPlusAndSameText()
    {
        int[] first = [.. Enumerable.Range(0, 37).Select(i => (i * 31 + 7) % 1000)];
        int[] second = [.. first, 5, 6, 7];
        await PostAsync(servers.Llama, "/v1/completions", new { prompt = first, max_tokens = 1, temperature = 0 });
        double before = await MetricAsync(servers.Llama, "codegen_prefix_cache_hit_tokens_total");
        JsonElement llama = await PostAsync(servers.Llama, "/v1/completions", new { prompt = second, max_tokens = 8, temperature = 0 });
        // llama.cpp shares per position, not per block: the whole first prompt is reused.
        Assert.Equal(37, await MetricAsync(servers.Llama, "codegen_prefix_cache_hit_tokens_total") - before);
        Assert.Equal(Texts(await PostAsync(servers.Torch, "/v1/completions", new { prompt = second, max_tokens = 8, temperature = 0 })), Texts(llama));
    }

    [Fact]
    public async Task Metrics_AfterRequests_KvSeriesOfTheUnifiedCache()
    {
        await PostAsync(servers.Llama, "/v1/completions", new { prompt = "abc", max_tokens = 2, temperature = 0 });
        Assert.Equal(16, await MetricAsync(servers.Llama, "codegen_kv_cache_block_size_tokens"));
        Assert.True(await MetricAsync(servers.Llama, "codegen_kv_cache_blocks_total") >= 4 * 256 / 16);
        string health = await servers.Llama.GetStringAsync("/health");
        Assert.Contains("\"servable\"", health);
    }
}
