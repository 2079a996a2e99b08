using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CodeGen.Model;
using CodeGen.Model.Lora;
using CodeGen.Server.Commands;
using CodeGen.Server.Engine;
using CodeGen.TestUtils;
using Microsoft.AspNetCore.Builder;
using static TorchSharp.torch;

namespace CodeGen.Server.Tests.Endpoints;

public sealed class AdapterServingTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("codegen-adapter-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task Adapter_MergedAtLoad_ServedLogprobsEqualUnmergedComputation()
    {
        string modelDir = TinyModels.SaveServable(Path.Combine(_root, "model"));
        string adapterDir = Path.Combine(_root, "adapter");
        manual_seed(21);
        var factors = new Dictionary<string, LoraFactors>(StringComparer.Ordinal);
        for (int layer = 0; layer < 2; layer++)
        {
            factors[$"model.layers.{layer}.self_attn.q_proj"] = new(randn(4, 32).mul(0.3), randn(32, 4).mul(0.3));
            factors[$"model.layers.{layer}.self_attn.v_proj"] = new(randn(4, 32).mul(0.3), randn(16, 4).mul(0.3));
        }
        PeftAdapter.Save(adapterDir, new PeftAdapterConfig { Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"] }, factors);

        int[] prompt = [5, 300, 17, 900, 42];
        float[] expected, baseModel;
        using (no_grad())
        using (var model = CausalLM.Load(modelDir, float32, CPU))
        using (Tensor ids = tensor(prompt.Select(i => (long)i).ToArray(), [1, prompt.Length], int64))
        {
            using (Tensor logits = model.Forward(ids)) baseModel = logits[0, -1].log_softmax(0).data<float>().ToArray();
            using var adapter = PeftAdapter.Load(adapterDir);
            adapter.ApplyTo(model, merge: false); // the unmerged computation: x Wᵀ + (α/r)·x Aᵀ Bᵀ
            using Tensor adapted = model.Forward(ids);
            expected = adapted[0, -1].log_softmax(0).data<float>().ToArray();
        }

        int port = ServerFixture.FreePort();
        var options = new ServeOptions(modelDir, "127.0.0.1", port, null, CPU, float32) { AdapterDirectory = adapterDir };
        await using WebApplication app = ServeCommand.Build(options, []);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        JsonElement health = default;
        for (int i = 0; i < 400; i++)
        {
            HttpResponseMessage h = await client.GetAsync("/health");
            if (h.StatusCode == HttpStatusCode.OK)
            {
                health = JsonDocument.Parse(await h.Content.ReadAsStringAsync()).RootElement;
                break;
            }
            await Task.Delay(25);
        }
        Assert.Equal("adapter", health.GetProperty("adapter").GetString());

        HttpResponseMessage response = await client.PostAsJsonAsync("/v1/completions", new { prompt, max_tokens = 1, temperature = 0, logprobs = 5 });
        JsonElement logprobs = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("choices")[0].GetProperty("logprobs");
        int chosen = Array.IndexOf(expected, expected.Max());
        Assert.Equal(expected[chosen], logprobs.GetProperty("token_logprobs")[0].GetSingle(), 4);
        float[] servedTop = logprobs.GetProperty("top_logprobs")[0].EnumerateObject().Select(p => p.Value.GetSingle()).OrderDescending().ToArray();
        float[] expectedTop = expected.OrderDescending().Take(servedTop.Length).ToArray();
        for (int i = 0; i < servedTop.Length; i++) Assert.Equal(expectedTop[i], servedTop[i], 4);
        Assert.True(Math.Abs(baseModel.Max() - expected.Max()) > 1e-3, "the adapter should change the logits");
    }

    [Fact]
    public void Adapter_BadDirectory_FailsAtStartNamingIt()
    {
        string modelDir = TinyModels.SaveServable(Path.Combine(_root, "model2"));
        string missing = Path.Combine(_root, "no-adapter");
        var options = new ServeOptions(modelDir, "127.0.0.1", ServerFixture.FreePort(), null, CPU, float32) { AdapterDirectory = missing };
        var e = Assert.Throws<ModelLoadException>(() => ServeCommand.Build(options, []));
        Assert.Contains(missing, e.Message);
    }
}
